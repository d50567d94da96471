// Customers: list filters/sort/pagination on a known set, the profile, remark and tag edits written to the sandbox first, faults, isolation.
import { TRPCError } from '@trpc/server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PlatformError } from '../../platform/errors'
import { createOrgWithUser } from '../../testing/deps'
import { callerFor, expectTenantIsolation, type Caller } from '../../testing/tenant'
import { createWecomEnv, type WecomEnv } from '../../testing/wecom-env'
import { chooseForm, DRIVE_MAX, findCustomerPage, semiJoinsOf, type FilterForm } from './customers.repository'
import { listCustomers } from './customers.service'
import { customerListInput } from '../../../shared/schemas/customer'
import type { FollowStatus } from './customers.table'

let env: WecomEnv

beforeAll(async () => {
  // No queue workers: the callback route stores events (for the timeline) but no handler rewrites customers behind the tests.
  env = await createWecomEnv({ workers: false })
})
afterAll(async () => env?.close())

async function caught(p: Promise<unknown>): Promise<TRPCError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(TRPCError)
  return err as TRPCError
}

const now = () => env.deps.clock.now()

async function insertId(p: Promise<{ insertId?: bigint }>): Promise<number> {
  return Number((await p).insertId)
}

interface SeedFollow {
  userid: string
  remark: string
  status: FollowStatus
  lostAt: number | null
}

interface SeedCustomer {
  id: number
  name: string
  addedAt: number
  channel: string | null
  gender: 0 | 1 | 2
  status: 'active' | 'lost'
  follows: SeedFollow[]
  /** tag name → userids carrying it ('' for CRM tags) */
  tags: Record<string, string[]>
}

const STAFF = ['zhangli', 'wangfang', 'liuyang']
const STAFF_NAMES: Record<string, string> = { zhangli: '张丽', wangfang: '王芳', liuyang: '刘洋' }
const BASE = Date.UTC(2026, 9, 1)

/** 30 customers with every filterable property varied by index; rows go straight into the tables, as the ingest would write them. */
async function seedListOrg() {
  const { orgId, user } = await createOrgWithUser(env.deps, 'org_member')
  const db = env.deps.db
  const t = now()
  await db
    .insertInto('wecom_staff')
    .values(STAFF.map((userid) => ({ org_id: orgId, userid, name: STAFF_NAMES[userid], status: 'active', synced_at: t })))
    .execute()
  const wayIds: Record<string, number> = {}
  for (const [state, channel_name] of [
    ['xiaohongshu', '小红书'],
    ['douyin', '抖音'],
  ]) {
    wayIds[state] = await insertId(
      db
        .insertInto('contact_ways')
        .values({
          org_id: orgId,
          type: 1,
          scene: 2,
          state,
          channel_name,
          user_ids: '["zhangli"]',
          party_ids: '[]',
          tag_ids: '[]',
          created_at: t,
          updated_at: t,
        })
        .executeTakeFirstOrThrow(),
    )
  }
  const crmGroup = await insertId(
    db
      .insertInto('tag_groups')
      .values({ org_id: orgId, group_id: null, name: '来源', sort_order: 0, source: 'crm', created_at: t, updated_at: t })
      .executeTakeFirstOrThrow(),
  )
  const wecomGroup = await insertId(
    db
      .insertInto('tag_groups')
      .values({ org_id: orgId, group_id: `g-${orgId}`, name: '等级', sort_order: 9, source: 'wecom', created_at: t, updated_at: t })
      .executeTakeFirstOrThrow(),
  )
  const tagIds: Record<string, number> = {}
  for (const [name, group_ref, tag_id, source] of [
    ['T1', crmGroup, null, 'crm'],
    ['T2', crmGroup, null, 'crm'],
    ['T3', wecomGroup, `t-${orgId}`, 'wecom'],
  ] as const) {
    tagIds[name] = await insertId(
      db
        .insertInto('tags')
        .values({ org_id: orgId, group_ref, tag_id, name, sort_order: 0, source, created_at: t, updated_at: t })
        .executeTakeFirstOrThrow(),
    )
  }

  const customers: SeedCustomer[] = []
  for (let i = 0; i < 30; i++) {
    const name = i === 7 ? '100%满意' : i === 8 ? 'a_b' : i === 9 ? 'axb' : `客户${String(i).padStart(2, '0')}`
    // 10 and 11 share a time: the id must break the tie the same way on every page.
    const addedAt = BASE + (i === 11 ? 10 : i) * 3600_000
    const status = i % 5 === 0 ? 'lost' : 'active'
    const first = STAFF[i % 3]
    const follows: SeedFollow[] = [
      {
        userid: first,
        remark: i === 12 ? 'VIP_老客' : i === 13 ? 'VIP老客' : `备注${i}`,
        status: status === 'lost' ? 'lost' : 'active',
        lostAt: status === 'lost' ? addedAt + 86_400_000 + i : null,
      },
    ]
    if (i % 4 === 0 && first !== 'wangfang')
      follows.push({ userid: 'wangfang', remark: '', status: i % 8 === 0 ? 'deleted' : 'active', lostAt: null })
    const tags: Record<string, string[]> = {}
    if (i % 2 === 0) tags.T1 = ['']
    if (i % 3 === 0) tags.T2 = ['']
    if (i % 5 === 1 || i === 12) tags.T3 = follows.map((f) => f.userid)
    const c: SeedCustomer = {
      id: 0,
      name,
      addedAt,
      channel: (['xiaohongshu', 'douyin', 'baidu', null] as const)[i % 4],
      gender: (i % 3) as 0 | 1 | 2,
      status,
      follows,
      tags,
    }
    c.id = await insertId(
      db
        .insertInto('customers')
        .values({
          org_id: orgId,
          external_userid: `wm_list_${orgId}_${i}`,
          name,
          avatar: `https://example.test/${i}.png`,
          type: 1,
          gender: c.gender,
          channel_state: c.channel,
          // Customers of a channel with a code came through it (the sync credits them); baidu has none: 未归属.
          contact_way_id: c.channel ? (wayIds[c.channel] ?? null) : null,
          status,
          first_added_at: addedAt,
          created_at: t,
          updated_at: t,
        })
        .executeTakeFirstOrThrow(),
    )
    await db
      .insertInto('customer_follows')
      .values(
        follows.map((f, k) => ({
          org_id: orgId,
          customer_id: c.id,
          userid: f.userid,
          remark: f.remark,
          description: '',
          remark_mobiles: '[]',
          add_way: 1,
          state: c.channel ?? '',
          oper_userid: '',
          createtime: addedAt + k,
          status: f.status,
          lost_at: f.lostAt,
          updated_at: t,
        })),
      )
      .execute()
    const links = Object.entries(tags).flatMap(([tag, users]) =>
      users.map((userid) => ({ org_id: orgId, customer_id: c.id, tag_ref: tagIds[tag], userid, created_at: t })),
    )
    if (links.length) await db.insertInto('customer_tags').values(links).execute()
    customers.push(c)
  }
  return { orgId, caller: callerFor(env.deps, user), customers, tagIds, wayIds }
}

describe('customers.list', () => {
  let set: Awaited<ReturnType<typeof seedListOrg>>
  beforeAll(async () => {
    set = await seedListOrg()
  })

  const newestFirst = (a: SeedCustomer, b: SeedCustomer) => b.addedAt - a.addedAt || b.id - a.id
  const expected = (pred: (c: SeedCustomer) => boolean, order = newestFirst) =>
    set.customers
      .filter(pred)
      .sort(order)
      .map((c) => c.id)
  const ids = async (input: Parameters<Caller['customers']['list']>[0]) => {
    const r = await set.caller.customers.list({ pageSize: 100, ...input })
    expect(r.total, 'count uses the same filter').toBe(r.items.length)
    return r.items.map((i) => i.id)
  }
  const relation = (c: SeedCustomer, userid: string) => c.follows.some((f) => f.userid === userid && f.status !== 'deleted')

  it('pages newest first with stable ties and a correct total', async () => {
    const all = expected(() => true)
    const pages = []
    for (const page of [1, 2, 3, 4]) pages.push(await set.caller.customers.list({ page, pageSize: 8 }))
    expect(pages.map((p) => p.total)).toEqual([30, 30, 30, 30])
    expect(pages.map((p) => p.items.length)).toEqual([8, 8, 8, 6])
    expect(pages.flatMap((p) => p.items.map((i) => i.id))).toEqual(all)
    expect(await ids({ sortOrder: 'asc' })).toEqual([...all].reverse())
    expect((await caught(set.caller.customers.list({ pageSize: 101 }))).code).toBe('BAD_REQUEST')
  })

  it('reads a page the same way in every form: probes, sets, or any one set driving the others', async () => {
    const { T1, T2, T3 } = set.tagIds
    expect(chooseForm([])).toBe('probe')
    expect(chooseForm([DRIVE_MAX + 1])).toBe('probe')
    expect(chooseForm([DRIVE_MAX])).toBe('set')
    // A small set well under the others drives; sets of like size (a rare intersection, maybe) are read as sets.
    expect(chooseForm([DRIVE_MAX + 1, 100])).toEqual({ drive: 1 })
    expect(chooseForm([120, 100])).toBe('set')
    const filters = [
      {},
      { q: 'VIP' },
      { q: '客户1' },
      { followUserid: 'wangfang' },
      { tagIds: [T1, T3] },
      { tagIds: [T1, T2], tagMode: 'all' as const },
      { q: '客户', followUserid: 'zhangli', tagIds: [T2, T3], status: 'active' as const },
      { followUserid: 'zhangli', tagIds: [T1, T2, T3], tagMode: 'all' as const, channel: 'xiaohongshu' },
    ]
    for (const f of filters) {
      const filter = { tagMode: 'any' as const, ...f }
      const forms: FilterForm[] = ['probe', 'set', 'grouped', ...semiJoinsOf(filter).map((_, i) => ({ drive: i }))]
      for (const spec of [
        { page: 1, pageSize: 100, sortBy: 'firstAddedAt' as const, sortOrder: 'desc' as const },
        { page: 2, pageSize: 3, sortBy: 'name' as const, sortOrder: 'asc' as const },
      ]) {
        const pages = await Promise.all(forms.map((form) => findCustomerPage(env.deps.db, set.orgId, filter, spec, form)))
        for (const [i, p] of pages.entries()) expect(p, `${JSON.stringify(f)} ${JSON.stringify(forms[i])}`).toEqual(pages[0])
      }
    }
  })

  it('caps the count: above the cap the total reads as an estimate, and the page is still read', async () => {
    const input = customerListInput.parse({ page: 1, pageSize: 2 })
    const exact = await listCustomers(env.deps, set.orgId, input, 0)
    expect(exact.totalExact).toBe(true)
    const capped = await listCustomers(env.deps, set.orgId, input, 0, 5)
    expect(capped).toMatchObject({ total: 5, totalExact: false })
    expect(capped.items).toEqual(exact.items)
  })

  it('gives the same pages and totals whether matches are read in one pass or counted and paged', async () => {
    const { T1, T2, T3 } = set.tagIds
    const filters = [
      {},
      { q: 'VIP' },
      { followUserid: 'liuyang', sortBy: 'name' as const },
      { tagIds: [T2, T3], sortOrder: 'asc' as const },
      { tagIds: [T1, T2], tagMode: 'all' as const },
      { status: 'active' as const, tagIds: [T1] },
    ]
    for (const f of filters) {
      for (const page of [1, 2, 5]) {
        const input = customerListInput.parse({ ...f, page, pageSize: 4 })
        const onePass = await listCustomers(env.deps, set.orgId, input)
        // fewMatches 0: every filter takes the count + page path (probe or set form, as the count decides).
        expect(await listCustomers(env.deps, set.orgId, input, 0), JSON.stringify({ ...f, page })).toEqual(onePass)
      }
    }
  })

  it('sorts by name', async () => {
    const numbered = (c: SeedCustomer) => c.name.startsWith('客户')
    const byName = (a: SeedCustomer, b: SeedCustomer) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id - b.id)
    expect(await ids({ q: '客户', sortBy: 'name', sortOrder: 'asc' })).toEqual(expected(numbered, byName))
    expect(await ids({ q: '客户', sortBy: 'name', sortOrder: 'desc' })).toEqual(expected(numbered, byName).reverse())
  })

  it('searches name and every remark, taking % and _ literally', async () => {
    expect(await ids({ q: 'VIP' })).toEqual(expected((c) => c.follows.some((f) => f.remark.includes('VIP'))))
    expect(await ids({ q: 'VIP_' })).toEqual(expected((c) => c.follows.some((f) => f.remark.includes('VIP_'))))
    expect(await ids({ q: '%' })).toEqual(expected((c) => c.name.includes('%')))
    expect(await ids({ q: 'a_b' })).toEqual(expected((c) => c.name === 'a_b'))
    expect(await ids({ q: '客户0' })).toEqual(expected((c) => c.name.includes('客户0')))
  })

  it('filters by channel, status, gender, time range, staff member and tags (any / all)', async () => {
    const { T1, T2, T3 } = set.tagIds
    const has = (c: SeedCustomer, tag: string) => tag in c.tags
    expect(await ids({ channel: `way:${set.wayIds.douyin}` })).toEqual(expected((c) => c.channel === 'douyin'))
    // A raw state selects the 未归属 customers carrying it.
    expect(await ids({ channel: 'baidu' })).toEqual(expected((c) => c.channel === 'baidu'))
    expect(await ids({ channel: 'douyin' })).toEqual([])
    expect(await ids({ status: 'lost' })).toEqual(expected((c) => c.status === 'lost'))
    expect(await ids({ gender: 2 })).toEqual(expected((c) => c.gender === 2))
    const from = BASE + 5 * 3600_000
    const to = BASE + 12 * 3600_000
    expect(await ids({ addedFrom: from, addedTo: to })).toEqual(expected((c) => c.addedAt >= from && c.addedAt <= to))
    // A relation the staff member deleted no longer counts as theirs.
    expect(await ids({ followUserid: 'wangfang' })).toEqual(expected((c) => relation(c, 'wangfang')))
    expect(await ids({ tagIds: [T2, T3] })).toEqual(expected((c) => has(c, 'T2') || has(c, 'T3')))
    expect(await ids({ tagIds: [T2, T3], tagMode: 'any' })).toEqual(expected((c) => has(c, 'T2') || has(c, 'T3')))
    expect(await ids({ tagIds: [T1, T2], tagMode: 'all' })).toEqual(expected((c) => has(c, 'T1') && has(c, 'T2')))
    expect(
      await ids({
        status: 'active',
        channel: `way:${set.wayIds.xiaohongshu}`,
        tagIds: [T1, T3],
        followUserid: 'wangfang',
        sortBy: 'firstAddedAt',
        sortOrder: 'asc',
      }),
    ).toEqual(
      expected(
        (c) => c.status === 'active' && c.channel === 'xiaohongshu' && (has(c, 'T1') || has(c, 'T3')) && relation(c, 'wangfang'),
      ).reverse(),
    )
    const combined = await set.caller.customers.list({ gender: 1, tagIds: [T1], page: 2, pageSize: 2 })
    const all = expected((c) => c.gender === 1 && has(c, 'T1'))
    expect(combined.total).toBe(all.length)
    expect(combined.items.map((i) => i.id)).toEqual(all.slice(2, 4))
  })

  it('returns each row with its channel name, live follows with staff names, and its tags once each', async () => {
    const c = set.customers[12] // xiaohongshu, relations with zhangli and wangfang, T1 + T2 and the WeCom tag T3 under both staff members
    const item = (await set.caller.customers.list({ q: c.name })).items.find((i) => i.id === c.id)!
    expect(item).toEqual({
      id: c.id,
      externalUserid: expect.stringMatching(/^wm_list_/),
      name: '客户12',
      avatar: 'https://example.test/12.png',
      gender: 0,
      corpName: null,
      channelState: 'xiaohongshu',
      channelName: '小红书',
      status: 'active',
      firstAddedAt: c.addedAt,
      follows: [
        { userid: 'zhangli', staffName: '张丽', remark: 'VIP_老客', status: 'active' },
        { userid: 'wangfang', staffName: '王芳', remark: '', status: 'active' },
      ],
      tags: [
        { id: set.tagIds.T3, name: 'T3', groupName: '等级', source: 'wecom' },
        { id: set.tagIds.T1, name: 'T1', groupName: '来源', source: 'crm' },
        { id: set.tagIds.T2, name: 'T2', groupName: '来源', source: 'crm' },
      ],
    })
    // The relation wangfang deleted is not listed; a channel without a contact way has no name.
    const [c8] = (await set.caller.customers.list({ q: 'a_b' })).items
    expect(c8.follows.map((f) => f.userid)).toEqual(['liuyang'])
    const [c2] = (await set.caller.customers.list({ q: '客户02' })).items
    expect(c2).toMatchObject({ channelState: 'baidu', channelName: null })
  })

  it('lists the channels for the filter, with names where a contact way exists', async () => {
    const channels = await set.caller.customers.channels()
    expect([...channels].sort((a, b) => a.state.localeCompare(b.state))).toEqual([
      { value: 'baidu', state: 'baidu', channelName: null, external: false },
      { value: `way:${set.wayIds.douyin}`, state: 'douyin', channelName: '抖音', external: false },
      { value: `way:${set.wayIds.xiaohongshu}`, state: 'xiaohongshu', channelName: '小红书', external: false },
    ])
  })
})

/** Customers that exist at the sandbox (seedBulk) and, as the ingest would leave them, locally. */
async function sandboxCustomers(n: number, userid = 'zhangli') {
  const corp = env.sandbox.state.corps.get(env.corpid)!
  const before = new Set(corp.customers.keys())
  env.sandbox.control.seedBulk(env.corpid, { customers: n, userids: [userid], states: ['xiaohongshu'] })
  const out: { id: number; ext: string }[] = []
  for (const ext of corp.customers.keys()) {
    if (before.has(ext)) continue
    const sc = corp.customers.get(ext)!
    const t = now()
    const follows = corp.followsByCustomer.get(ext) ?? []
    const id = await insertId(
      env.deps.db
        .insertInto('customers')
        .values({
          org_id: env.orgId,
          external_userid: ext,
          name: sc.name,
          avatar: sc.avatar,
          type: sc.type,
          gender: sc.gender,
          channel_state: 'xiaohongshu',
          status: 'active',
          first_added_at: follows[0].createtime * 1000,
          created_at: t,
          updated_at: t,
        })
        .executeTakeFirstOrThrow(),
    )
    await env.deps.db
      .insertInto('customer_follows')
      .values(
        follows.map((f) => ({
          org_id: env.orgId,
          customer_id: id,
          userid: f.userid,
          remark: f.remark,
          description: f.description,
          remark_mobiles: JSON.stringify(f.remark_mobiles),
          add_way: f.add_way,
          state: f.state,
          oper_userid: f.oper_userid,
          createtime: f.createtime * 1000,
          status: 'active' as const,
          updated_at: t,
        })),
      )
      .execute()
    out.push({ id, ext })
  }
  return out
}

const follow = (customerId: number, userid: string) =>
  env.deps.db
    .selectFrom('customer_follows')
    .selectAll()
    .where('customer_id', '=', customerId)
    .where('userid', '=', userid)
    .executeTakeFirstOrThrow()
const sandboxFollow = (ext: string, userid: string) => env.sandbox.state.corps.get(env.corpid)!.findFollow(userid, ext)!
const callsTo = (endpoint: string) =>
  (env.sandbox.control.getCounters().endpoints as Record<string, { calls: number }>)[`externalcontact/${endpoint}`]?.calls ?? 0
const links = (customerId: number) =>
  env.deps.db
    .selectFrom('customer_tags')
    .select(['tag_ref', 'userid'])
    .where('customer_id', '=', customerId)
    .orderBy('tag_ref')
    .orderBy('userid')
    .execute()

describe('customers.updateRemark', () => {
  it('writes the remark to WeCom first, then to the local relation', async () => {
    const [c] = await sandboxCustomers(1)
    const r = await env.caller.customers.updateRemark({
      id: c.id,
      userid: 'zhangli',
      remark: '老客户',
      description: '喜欢玻尿酸',
      remarkMobiles: ['13800000000'],
    })
    expect(r).toEqual({ userid: 'zhangli', remark: '老客户', description: '喜欢玻尿酸', remarkMobiles: ['13800000000'] })
    expect(sandboxFollow(c.ext, 'zhangli')).toMatchObject({ remark: '老客户', description: '喜欢玻尿酸', remark_mobiles: ['13800000000'] })
    expect(await follow(c.id, 'zhangli')).toMatchObject({ remark: '老客户', description: '喜欢玻尿酸', remark_mobiles: '["13800000000"]' })

    // Only what is given changes; an empty list clears the mobiles (sent to WeCom as [""]).
    await env.caller.customers.updateRemark({ id: c.id, userid: 'zhangli', remarkMobiles: [] })
    expect(sandboxFollow(c.ext, 'zhangli')).toMatchObject({ remark: '老客户', remark_mobiles: [] })
    expect(await follow(c.id, 'zhangli')).toMatchObject({ remark: '老客户', description: '喜欢玻尿酸', remark_mobiles: '[]' })
    const log = env.sandbox.control.logs({ kind: 'remark', corpid: env.corpid }).items as { external_userid: string; changes: unknown }[]
    expect(log.filter((l) => l.external_userid === c.ext).map((l) => l.changes)).toEqual([
      { remark: '老客户', description: '喜欢玻尿酸', remark_mobiles: ['13800000000'] },
      { remark_mobiles: [] },
    ])
    await env.caller.customers.updateRemark({ id: c.id, userid: 'zhangli', remark: '字'.repeat(20) })
    expect(sandboxFollow(c.ext, 'zhangli').remark).toBe('字'.repeat(20))
  })

  it('rejects WeCom limits before any call', async () => {
    const [c] = await sandboxCustomers(1)
    const calls = callsTo('remark')
    for (const input of [
      { id: c.id, userid: 'zhangli', remark: '字'.repeat(21) },
      { id: c.id, userid: 'zhangli', description: '字'.repeat(151) },
      { id: c.id, userid: 'zhangli' },
      { id: c.id, userid: 'zhangli', remarkMobiles: ['not a phone'] },
      { id: c.id, userid: 'zhangli', remarkMobiles: ['12345'] },
      { id: c.id, userid: 'zhangli', remarkMobiles: ['12812345678'] },
    ]) {
      expect((await caught(env.caller.customers.updateRemark(input))).code).toBe('BAD_REQUEST')
    }
    // The reason is said in Chinese, naming what a valid number looks like.
    expect((await caught(env.caller.customers.updateRemark({ id: c.id, userid: 'zhangli', remarkMobiles: ['12345'] }))).message).toContain(
      '中国大陆手机号',
    )
    expect((await caught(env.caller.customers.updateRemark({ id: c.id, userid: 'nobody', remark: 'x' }))).code).toBe('NOT_FOUND')
    expect(callsTo('remark')).toBe(calls)
  })

  it('a WeCom refusal leaves the local relation unchanged and carries errcode + hint', async () => {
    const [c] = await sandboxCustomers(1)
    await env.caller.customers.updateRemark({ id: c.id, userid: 'zhangli', remark: '原备注' })
    const before = await follow(c.id, 'zhangli')

    try {
      env.sandbox.control.setFaults({ rules: [{ endpoint: 'externalcontact/remark', errorRate: 1, errorCodes: [84061] }] })
      const err = await caught(env.caller.customers.updateRemark({ id: c.id, userid: 'zhangli', remark: '新备注' }))
      expect(err.code).toBe('BAD_REQUEST')
      expect(err.message).toBe('该成员与客户不存在好友关系（错误码 84061）')
      expect(err.cause).toBeInstanceOf(PlatformError)
      expect((err.cause as PlatformError).errcode).toBe(84061)
    } finally {
      env.sandbox.control.clearFaults()
    }
    expect(await follow(c.id, 'zhangli')).toEqual(before)
    expect(sandboxFollow(c.ext, 'zhangli').remark).toBe('原备注')

    // Without a fault: the local relation exists, WeCom's does not (84061); a customer WeCom does not know (40096).
    const t = now()
    await env.deps.db
      .insertInto('customer_follows')
      .values({
        org_id: env.orgId,
        customer_id: c.id,
        userid: 'wangfang',
        remark: '',
        description: '',
        remark_mobiles: '[]',
        createtime: t,
        status: 'active',
        updated_at: t,
      })
      .execute()
    const noRelation = await caught(env.caller.customers.updateRemark({ id: c.id, userid: 'wangfang', remark: '新备注' }))
    expect((noRelation.cause as PlatformError).errcode).toBe(84061)
    expect((await follow(c.id, 'wangfang')).remark).toBe('')

    const ghost = await insertId(
      env.deps.db
        .insertInto('customers')
        .values({
          org_id: env.orgId,
          external_userid: 'wm_not_at_wecom',
          name: '幽灵',
          type: 1,
          gender: 0,
          status: 'active',
          created_at: t,
          updated_at: t,
        })
        .executeTakeFirstOrThrow(),
    )
    await env.deps.db
      .insertInto('customer_follows')
      .values({
        org_id: env.orgId,
        customer_id: ghost,
        userid: 'zhangli',
        remark: '',
        description: '',
        remark_mobiles: '[]',
        createtime: t,
        status: 'active',
        updated_at: t,
      })
      .execute()
    const unknown = await caught(env.caller.customers.updateRemark({ id: ghost, userid: 'zhangli', description: '描述' }))
    expect(unknown.message).toBe('外部联系人 external_userid 不正确（错误码 40096）')
    expect((await follow(ghost, 'zhangli')).description).toBe('')
  })
})

describe('customers.updateTags', () => {
  let wecom: { id: number; tagId: string | null; name: string }[]
  let crm: { id: number; name: string }[]
  beforeAll(async () => {
    wecom = (await env.caller.tags.createGroup({ name: '意向项目', tags: [{ name: '玻尿酸' }, { name: '热玛吉' }] })).tags
    crm = (await env.caller.tags.createGroup({ name: '来源', source: 'crm', tags: [{ name: '老带新' }] })).tags
  })

  it('marks WeCom tags on the relation at WeCom first, CRM tags only locally, and removes both', async () => {
    const [c] = await sandboxCustomers(1)
    const [hyaluronic, thermage] = wecom
    const r = await env.caller.customers.updateTags({ id: c.id, userid: 'zhangli', add: [hyaluronic.id, thermage.id, crm[0].id] })
    expect(r.tags.map((t) => [t.name, t.userid]).sort()).toEqual(
      [
        ['热玛吉', 'zhangli'],
        ['玻尿酸', 'zhangli'],
        ['老带新', ''],
      ].sort(),
    )
    expect([...sandboxFollow(c.ext, 'zhangli').tags].sort()).toEqual([hyaluronic.tagId, thermage.tagId].sort())
    expect(await links(c.id)).toEqual(
      [
        { tag_ref: hyaluronic.id, userid: 'zhangli' },
        { tag_ref: thermage.id, userid: 'zhangli' },
        { tag_ref: crm[0].id, userid: '' },
      ].sort((a, b) => a.tag_ref - b.tag_ref),
    )
    const marks = env.sandbox.control.logs({ kind: 'mark_tag', corpid: env.corpid }).items as {
      external_userid: string
      add_tag: string[]
      remove_tag: string[]
    }[]
    expect(marks.filter((m) => m.external_userid === c.ext)).toEqual([
      expect.objectContaining({ add_tag: [hyaluronic.tagId, thermage.tagId], remove_tag: [] }),
    ])

    await env.caller.customers.updateTags({ id: c.id, userid: 'zhangli', remove: [thermage.id, crm[0].id] })
    expect(sandboxFollow(c.ext, 'zhangli').tags).toEqual([hyaluronic.tagId])
    expect(await links(c.id)).toEqual([{ tag_ref: hyaluronic.id, userid: 'zhangli' }])

    // CRM tags alone need no staff member and no WeCom call.
    const calls = callsTo('mark_tag')
    await env.caller.customers.updateTags({ id: c.id, add: [crm[0].id] })
    expect(callsTo('mark_tag')).toBe(calls)
    expect((await links(c.id)).map((l) => l.tag_ref)).toContain(crm[0].id)
    expect((await caught(env.caller.customers.updateTags({ id: c.id, add: [thermage.id] }))).code).toBe('BAD_REQUEST')
    expect(
      (await caught(env.caller.customers.updateTags({ id: c.id, userid: 'zhangli', add: [thermage.id], remove: [thermage.id] }))).code,
    ).toBe('BAD_REQUEST')
    expect((await caught(env.caller.customers.updateTags({ id: c.id, userid: 'zhangli', add: [999_999] }))).code).toBe('NOT_FOUND')
    expect(callsTo('mark_tag')).toBe(calls)
  })

  it('a WeCom refusal changes neither the WeCom nor the CRM links locally', async () => {
    const [c] = await sandboxCustomers(1)
    await env.caller.customers.updateTags({ id: c.id, userid: 'zhangli', add: [wecom[0].id] })
    const before = await links(c.id)
    try {
      env.sandbox.control.setFaults({ rules: [{ endpoint: 'externalcontact/mark_tag', errorRate: 1, errorCodes: [40096] }] })
      const err = await caught(
        env.caller.customers.updateTags({ id: c.id, userid: 'zhangli', add: [wecom[1].id, crm[0].id], remove: [wecom[0].id] }),
      )
      expect(err.message).toBe('外部联系人 external_userid 不正确（错误码 40096）')
      expect((err.cause as PlatformError).errcode).toBe(40096)
    } finally {
      env.sandbox.control.clearFaults()
    }
    expect(await links(c.id)).toEqual(before)
    expect(sandboxFollow(c.ext, 'zhangli').tags).toEqual([wecom[0].tagId])
  })
})

describe('customers.tagBatch', () => {
  let wecom: { id: number; tagId: string | null; name: string }[]
  let crm: { id: number; name: string }[]
  beforeAll(async () => {
    wecom = (await env.caller.tags.createGroup({ name: '批量标签', tags: [{ name: '复购' }, { name: '高意向' }] })).tags
    crm = (await env.caller.tags.createGroup({ name: '批量CRM', source: 'crm', tags: [{ name: '活动' }] })).tags
  })
  const marks = () =>
    env.sandbox.control.logs({ kind: 'mark_tag', corpid: env.corpid }).items as {
      external_userid: string
      add_tag: string[]
      remove_tag: string[]
    }[]

  it('50 customers: one mark_tag per relation through the queue, local links and progress follow; removal undoes it', async () => {
    const cs = await sandboxCustomers(50)
    const exts = new Set(cs.map((c) => c.ext))
    const before = marks().length
    const started = await env.caller.customers.tagBatch({
      action: 'add',
      customerIds: cs.map((c) => c.id),
      tagIds: [wecom[0].id, crm[0].id],
    })
    expect(started).toMatchObject({ total: 50, done: 0, failed: 0, finished: false })
    // Nothing reaches WeCom before the jobs run; the CRM tag is linked at once.
    expect(marks().length).toBe(before)
    await env.deps.queue.runUntilIdle()
    const added = marks().slice(before)
    expect(added).toHaveLength(50)
    expect(new Set(added.map((m) => m.external_userid))).toEqual(exts)
    expect(added.every((m) => m.add_tag.length === 1 && m.add_tag[0] === wecom[0].tagId)).toBe(true)
    expect(await env.caller.customers.tagBatchStatus({ id: started.id })).toMatchObject({ total: 50, done: 50, failed: 0, finished: true })
    for (const c of cs.slice(0, 3)) {
      expect(await links(c.id)).toEqual(
        expect.arrayContaining([
          { tag_ref: wecom[0].id, userid: 'zhangli' },
          { tag_ref: crm[0].id, userid: '' },
        ]),
      )
      expect(sandboxFollow(c.ext, 'zhangli').tags).toContain(wecom[0].tagId)
    }

    const removed = await env.caller.customers.tagBatch({ action: 'remove', customerIds: cs.map((c) => c.id), tagIds: [wecom[0].id] })
    await env.deps.queue.runUntilIdle()
    expect(await env.caller.customers.tagBatchStatus({ id: removed.id })).toMatchObject({ done: 50, finished: true })
    expect(marks().length).toBe(before + 100)
    expect(await links(cs[0].id)).toEqual([{ tag_ref: crm[0].id, userid: '' }])
    // The timeline tells each customer's part: the CRM tag and the WeCom tag added, then the WeCom tag removed, by the admin.
    const page = await env.caller.customers.timeline({ id: cs[0].id, page: 1, pageSize: 20 })
    const tagEntries = page.items.filter((e) => e.kind === 'tag_added' || e.kind === 'tag_removed')
    expect(tagEntries.map((e) => [e.kind, e.actor.type]).sort()).toEqual([
      ['tag_added', 'admin'],
      ['tag_added', 'admin'],
      ['tag_removed', 'admin'],
    ])
  })

  it('lists per-row failures: a WeCom refusal and a customer without an active relation; bad input changes nothing', async () => {
    const cs = await sandboxCustomers(2)
    await env.deps.db.updateTable('customer_follows').set({ status: 'lost' }).where('customer_id', '=', cs[1].id).execute()
    const calls = callsTo('mark_tag')
    expect((await caught(env.caller.customers.tagBatch({ action: 'add', customerIds: [], tagIds: [wecom[1].id] }))).message).toContain(
      '请先勾选客户',
    )
    expect((await caught(env.caller.customers.tagBatch({ action: 'add', customerIds: [cs[0].id], tagIds: [999_999] }))).code).toBe(
      'NOT_FOUND',
    )
    expect((await caught(env.caller.customers.tagBatch({ action: 'add', customerIds: [999_999], tagIds: [wecom[1].id] }))).code).toBe(
      'NOT_FOUND',
    )
    try {
      env.sandbox.control.setFaults({ rules: [{ endpoint: 'externalcontact/mark_tag', errorRate: 1, errorCodes: [40096] }] })
      const b = await env.caller.customers.tagBatch({ action: 'add', customerIds: cs.map((c) => c.id), tagIds: [wecom[1].id] })
      await env.deps.queue.runUntilIdle()
      const p = await env.caller.customers.tagBatchStatus({ id: b.id })
      expect(p).toMatchObject({ total: 2, done: 0, failed: 2, finished: true })
      expect(p.failures.map((f) => f.error)).toEqual(
        expect.arrayContaining(['外部联系人 external_userid 不正确（错误码 40096）', expect.stringContaining('没有正常的跟进关系')]),
      )
    } finally {
      env.sandbox.control.clearFaults()
    }
    // One call for the one active relation (refused, not retried); nothing linked locally.
    expect(callsTo('mark_tag')).toBe(calls + 1)
    expect(await links(cs[0].id)).toEqual([])
  })
})

describe('customers.get', () => {
  it('returns the profile, relations with remarks and tags, channel and lead (the timeline is customers.timeline)', async () => {
    const [c] = await sandboxCustomers(1)
    const t = now()
    const wayId = await insertId(
      env.deps.db
        .insertInto('contact_ways')
        .values({
          org_id: env.orgId,
          type: 1,
          scene: 2,
          state: 'xiaohongshu',
          channel_name: '小红书',
          user_ids: '["zhangli"]',
          party_ids: '[]',
          tag_ids: '[]',
          created_at: t,
          updated_at: t,
        })
        .executeTakeFirstOrThrow(),
    )
    // Credited to the code, as the sync does for a customer added through it.
    await env.deps.db.updateTable('customers').set({ contact_way_id: wayId }).where('id', '=', c.id).execute()
    await env.deps.db
      .insertInto('crm_leads')
      .values({
        org_id: env.orgId,
        customer_id: c.id,
        source: 'wecom',
        channel_state: 'xiaohongshu',
        owner_userid: 'zhangli',
        status: 'new',
        created_at: t,
        updated_at: t,
      })
      .execute()
    const crmTag = (await env.caller.tags.createGroup({ name: '会员', source: 'crm', tags: [{ name: '金卡' }] })).tags[0]
    const wecomTag = (await env.caller.tags.createGroup({ name: '等级', tags: [{ name: 'A级' }] })).tags[0]
    await env.caller.customers.updateTags({ id: c.id, userid: 'zhangli', add: [wecomTag.id, crmTag.id] })
    await env.caller.customers.updateRemark({ id: c.id, userid: 'zhangli', remark: '王女士', remarkMobiles: ['13900000000'] })

    // Two real callbacks through the route (stored in callback_events), and two messages around them.
    await env.sandbox.control.editContact(env.corpid, { userid: 'zhangli', external_userid: c.ext, description: '控制台编辑' })
    await env.sandbox.control.customerDeletesStaff(env.corpid, { userid: 'zhangli', external_userid: c.ext })
    const events = await env.deps.db
      .selectFrom('callback_events')
      .selectAll()
      .where('org_id', '=', env.orgId)
      .where('external_userid', '=', c.ext)
      .orderBy('id')
      .execute()
    expect(events.map((e) => e.change_type)).toEqual(['edit_external_contact', 'del_follow_user'])
    const msg = (content: string, at: number, n: number) => ({
      org_id: env.orgId,
      customer_id: c.id,
      from_id: c.ext,
      to_id: 'zhangli',
      msg_type: 'text',
      content,
      msg_id: `m-${c.id}-${n}`,
      create_time: at,
      created_at: t,
    })
    await env.deps.db
      .insertInto('messages')
      .values([msg('最早的消息', events[0].create_time - 60_000, 1), msg('最新的消息', events[1].create_time + 60_000, 2)])
      .execute()

    const p = await env.caller.customers.get({ id: c.id })
    expect(p).toMatchObject({
      id: c.id,
      externalUserid: c.ext,
      status: 'active',
      channel: { state: 'xiaohongshu', channelName: '小红书' },
      lead: { source: 'wecom', status: 'new', ownerUserid: 'zhangli' },
      crmTags: [{ id: crmTag.id, name: '金卡', groupName: '会员', source: 'crm' }],
    })
    expect(p.follows).toEqual([
      expect.objectContaining({
        userid: 'zhangli',
        staffName: expect.any(String),
        remark: '王女士',
        remarkMobiles: ['13900000000'],
        addWay: 1,
        state: 'xiaohongshu',
        status: 'active',
        tags: [{ id: wecomTag.id, name: 'A级', groupName: '等级', source: 'wecom' }],
      }),
    ])
    expect((await caught(env.caller.customers.get({ id: 999_999 }))).code).toBe('NOT_FOUND')
  })
})

describe('tenant isolation', () => {
  it('keeps customers, their relations and tags to their org', async () => {
    await expectTenantIsolation(env.deps, {
      seed: async (a, orgA) => {
        const t = now()
        const tag = (await a.tags.createGroup({ name: '来源', source: 'crm', tags: [{ name: '线下' }] })).tags[0]
        const id = await insertId(
          env.deps.db
            .insertInto('customers')
            .values({
              org_id: orgA,
              external_userid: `wm_iso_${orgA}`,
              name: '隔离客户',
              type: 1,
              gender: 2,
              channel_state: `iso_${orgA}`,
              status: 'active',
              first_added_at: t,
              created_at: t,
              updated_at: t,
            })
            .executeTakeFirstOrThrow(),
        )
        await env.deps.db
          .insertInto('customer_follows')
          .values({
            org_id: orgA,
            customer_id: id,
            userid: 'zhangli',
            remark: 'A 的备注',
            description: '',
            remark_mobiles: '[]',
            createtime: t,
            status: 'lost',
            lost_at: t,
            updated_at: t,
          })
          .execute()
        await env.deps.db
          .insertInto('customer_tags')
          .values({ org_id: orgA, customer_id: id, tag_ref: tag.id, userid: '', created_at: t })
          .execute()
        return id
      },
      snapshot: async (id) => ({
        customer: await env.deps.db.selectFrom('customers').selectAll().where('id', '=', Number(id)).executeTakeFirst(),
        follows: await env.deps.db.selectFrom('customer_follows').selectAll().where('customer_id', '=', Number(id)).execute(),
        tags: await env.deps.db.selectFrom('customer_tags').selectAll().where('customer_id', '=', Number(id)).execute(),
      }),
      direct: {
        'customers.get': (b, id) => b.customers.get({ id: Number(id) }),
        'customers.timeline': (b, id) => b.customers.timeline({ id: Number(id) }),
        'customers.updateRemark': (b, id) => b.customers.updateRemark({ id: Number(id), userid: 'zhangli', remark: '被改了' }),
        'customers.updateTags': async (b, id) => {
          // B's own CRM tag, pointed at A's customer.
          const mine = (await b.tags.createGroup({ name: `B${id}`, source: 'crm', tags: [{ name: '入侵' }] })).tags[0]
          return b.customers.updateTags({ id: Number(id), add: [mine.id] })
        },
        "customers.updateTags (A's tag)": async (b, id) => {
          const [link] = await env.deps.db.selectFrom('customer_tags').select('tag_ref').where('customer_id', '=', Number(id)).execute()
          return b.customers.updateTags({ id: Number(id), remove: [link.tag_ref] })
        },
      },
      lists: {
        'customers.list': async (b) => (await b.customers.list({ pageSize: 100 })).items.map((i) => i.id),
        'customers.list (q)': async (b) => (await b.customers.list({ q: '隔离' })).items.map((i) => i.id),
      },
    })
  })

  it('keeps channels to their org', async () => {
    await expectTenantIsolation(env.deps, {
      seed: async (_a, orgA) => {
        const t = now()
        await env.deps.db
          .insertInto('contact_ways')
          .values({
            org_id: orgA,
            type: 1,
            scene: 2,
            state: `way_${orgA}`,
            channel_name: 'A 的渠道',
            user_ids: '[]',
            party_ids: '[]',
            tag_ids: '[]',
            created_at: t,
            updated_at: t,
          })
          .execute()
        await env.deps.db
          .insertInto('customers')
          .values({
            org_id: orgA,
            external_userid: `wm_ch_${orgA}`,
            name: 'x',
            type: 1,
            gender: 0,
            channel_state: `used_${orgA}`,
            status: 'active',
            created_at: t,
            updated_at: t,
          })
          .execute()
        return `way_${orgA}`
      },
      snapshot: (state) => env.deps.db.selectFrom('contact_ways').selectAll().where('state', '=', String(state)).executeTakeFirst(),
      direct: {},
      lists: {
        'customers.channels': async (b) => (await b.customers.channels()).map((c) => c.state),
        'customers.channels (used states)': async (b) => (await b.customers.channels()).map((c) => c.state.replace('used_', 'way_')),
      },
    })
  })
})
