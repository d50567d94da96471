// Tags against the sandbox: sync mirrors WeCom exactly (also twice at once), CRUD goes to WeCom first, CRM tags stay local, errors change nothing.
import { TRPCError } from '@trpc/server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PlatformError } from '../../platform/errors'
import { linkOrgToSandboxCorp } from '../../sandbox-link'
import type { WecomClients } from '../wecom-config/wecom-client'
import { createOrgWithUser, createTestDeps } from '../../testing/deps'
import { openSecondHandle } from '../../testing/test-db'
import { callerFor, expectTenantIsolation, type Caller } from '../../testing/tenant'
import { createWecomEnv, type WecomEnv } from '../../testing/wecom-env'
import { addTagsToGroup, mirrorCorpTags, syncCorpTags } from './tags.service'

let env: WecomEnv

beforeAll(async () => {
  // No queue workers: callbacks the sandbox sends are stored but no handler reacts, so only these tests touch the mirror.
  env = await createWecomEnv({ workers: false })
})
afterAll(async () => env?.close())

let corpSeq = 0

/** A fresh org linked to a fresh sandbox corp, so every test starts from an empty tag world. */
async function linkedOrg(): Promise<{ orgId: number; corpid: string; caller: Caller }> {
  const corp = env.sandbox.control.createCorp({ name: `标签诊所${++corpSeq}`, members: [{ userid: 'zhangli', name: '张丽' }] })
  const { orgId, user } = await createOrgWithUser(env.deps, 'org_admin')
  await linkOrgToSandboxCorp(env.deps, env.sandbox, orgId, corp.corpid)
  return { orgId, corpid: corp.corpid, caller: callerFor(env.deps, user) }
}

const byKey =
  <T>(key: (x: T) => string) =>
  (a: T, b: T) =>
    key(a).localeCompare(key(b))

/** The org's WeCom mirror, in the same shape as sandboxTags. */
async function localMirror(orgId: number) {
  const groups = await env.deps.db.selectFrom('tag_groups').selectAll().where('org_id', '=', orgId).where('source', '=', 'wecom').execute()
  const tags = await env.deps.db.selectFrom('tags').selectAll().where('org_id', '=', orgId).where('source', '=', 'wecom').execute()
  expect(
    tags.every((t) => groups.some((g) => g.id === t.group_ref)),
    'no tag outside a mirrored group',
  ).toBe(true)
  return groups
    .map((g) => ({
      group_id: g.group_id as string,
      name: g.name,
      order: Number(g.sort_order),
      tags: tags
        .filter((t) => t.group_ref === g.id)
        .map((t) => ({ id: t.tag_id as string, name: t.name, order: Number(t.sort_order) }))
        .sort(byKey((t) => t.id)),
    }))
    .sort(byKey((g) => g.group_id))
}

function sandboxTags(corpid: string) {
  return env.sandbox.control
    .getCorp(corpid)
    .tag_groups.map((g) => ({
      group_id: g.group_id,
      name: g.group_name,
      order: g.order,
      tags: g.tags.map((t) => ({ id: t.id, name: t.name, order: t.order })).sort(byKey((t) => t.id)),
    }))
    .sort(byKey((g) => g.group_id))
}

function sandboxGroup(corpid: string, name: string) {
  const g = env.sandbox.control.getCorp(corpid).tag_groups.find((x) => x.group_name === name)
  if (!g) throw new Error(`sandbox has no group ${name}`)
  return g
}

const tagCalls = () => {
  const c = env.sandbox.control.getCounters().endpoints as Record<string, { calls: number }>
  return ['add_corp_tag', 'edit_corp_tag', 'del_corp_tag', 'mark_tag'].reduce((n, e) => n + (c[`externalcontact/${e}`]?.calls ?? 0), 0)
}

/** A customer of the org with links to the given tags (under one staff member), straight into the tables. */
async function customerWithTags(orgId: number, ext: string, tagRefs: number[], userid = 'zhangli'): Promise<number> {
  const now = env.deps.clock.now()
  const r = await env.deps.db
    .insertInto('customers')
    .values({
      org_id: orgId,
      external_userid: ext,
      name: ext,
      type: 1,
      gender: 0,
      status: 'active',
      first_added_at: now,
      created_at: now,
      updated_at: now,
    })
    .executeTakeFirstOrThrow()
  const id = Number(r.insertId)
  if (tagRefs.length) {
    await env.deps.db
      .insertInto('customer_tags')
      .values(tagRefs.map((tag_ref) => ({ org_id: orgId, customer_id: id, tag_ref, userid, created_at: now })))
      .execute()
  }
  return id
}

async function tagRef(orgId: number, name: string): Promise<number> {
  const r = await env.deps.db.selectFrom('tags').select('id').where('org_id', '=', orgId).where('name', '=', name).executeTakeFirstOrThrow()
  return r.id
}

async function caught(p: Promise<unknown>): Promise<TRPCError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(TRPCError)
  return err as TRPCError
}

describe('syncCorpTags', () => {
  it('mirrors the console exactly: creates, renames (also swapped names), reorders, deletes with their customer links', async () => {
    const { orgId, corpid } = await linkedOrg()
    const c = env.sandbox.control
    await c.tagChange(corpid, {
      change_type: 'create',
      tag_type: 'tag_group',
      group_name: '客户等级',
      order: 30,
      tags: ['A级', 'B级', 'C级'],
    })
    await c.tagChange(corpid, {
      change_type: 'create',
      tag_type: 'tag_group',
      group_name: '意向项目',
      order: 20,
      tags: ['玻尿酸', '热玛吉'],
    })
    await c.tagChange(corpid, { change_type: 'create', tag_type: 'tag_group', group_name: '来源渠道', order: 10, tags: ['小红书'] })

    expect(await syncCorpTags(env.deps, orgId)).toEqual({ groups: 3, tags: 6 })
    expect(await localMirror(orgId)).toEqual(sandboxTags(corpid))

    const keep = await customerWithTags(orgId, 'wm_keep', [await tagRef(orgId, 'A级'), await tagRef(orgId, '玻尿酸')])
    const loses = await customerWithTags(orgId, 'wm_loses', [await tagRef(orgId, 'C级'), await tagRef(orgId, '小红书')])
    const idOfA = await tagRef(orgId, 'A级')

    const level = sandboxGroup(corpid, '客户等级')
    const project = sandboxGroup(corpid, '意向项目')
    const tagId = (g: typeof level, name: string) => g.tags.find((t) => t.name === name)!.id
    // Group names swapped, tag names swapped inside a group: each intermediate state collides on a unique name.
    await c.tagChange(corpid, { change_type: 'update', id: level.group_id, name: '意向项目' })
    await c.tagChange(corpid, { change_type: 'update', id: project.group_id, name: '客户等级' })
    await c.tagChange(corpid, { change_type: 'update', id: tagId(project, '玻尿酸'), name: '热玛吉' })
    await c.tagChange(corpid, { change_type: 'update', id: tagId(project, '热玛吉'), name: '玻尿酸' })
    await c.tagChange(corpid, { change_type: 'update', id: tagId(level, 'A级'), name: 'A级客户', order: 99 })
    // B级 deleted and a new B级 created: a new id under a name the mirror still holds.
    await c.tagChange(corpid, { change_type: 'delete', id: tagId(level, 'B级') })
    await c.tagChange(corpid, { change_type: 'create', tag_type: 'tag', group_id: level.group_id, name: 'B级' })
    await c.tagChange(corpid, { change_type: 'delete', id: tagId(level, 'C级') })
    await c.tagChange(corpid, { change_type: 'delete', id: sandboxGroup(corpid, '来源渠道').group_id })
    await c.tagChange(corpid, { change_type: 'shuffle', ids: [project.group_id, level.group_id] })

    expect(await syncCorpTags(env.deps, orgId)).toEqual({ groups: 2, tags: 4 })
    expect(await localMirror(orgId)).toEqual(sandboxTags(corpid))
    // The renamed tag is the same local row (links survive); deleted tags took their links with them.
    expect(await tagRef(orgId, 'A级客户')).toBe(idOfA)
    const links = await env.deps.db.selectFrom('customer_tags').select(['customer_id', 'tag_ref']).where('org_id', '=', orgId).execute()
    expect(links.filter((l) => l.customer_id === loses)).toEqual([])
    expect(links.filter((l) => l.customer_id === keep)).toHaveLength(2)
    expect(
      await env.deps.db.selectFrom('tag_groups').select('name').where('org_id', '=', orgId).where('name', '=', '来源渠道').execute(),
    ).toEqual([])

    // Nothing changed at WeCom: a second sync is a no-op.
    const before = await env.deps.db.selectFrom('tags').selectAll().where('org_id', '=', orgId).orderBy('id').execute()
    await syncCorpTags(env.deps, orgId)
    expect(await env.deps.db.selectFrom('tags').selectAll().where('org_id', '=', orgId).orderBy('id').execute()).toEqual(before)
  })

  it('runs twice at once without duplicate-key failures, in-process and as two racing appliers', async () => {
    const { orgId, corpid } = await linkedOrg()
    for (let g = 0; g < 4; g++) {
      await env.sandbox.control.tagChange(corpid, {
        change_type: 'create',
        tag_type: 'tag_group',
        group_name: `组${g}`,
        tags: Array.from({ length: 25 }, (_, i) => `标签${g}-${i}`),
      })
    }
    const [a, b] = await Promise.all([syncCorpTags(env.deps, orgId), syncCorpTags(env.deps, orgId)])
    expect(a).toEqual({ groups: 4, tags: 100 })
    expect(b).toEqual(a)
    expect(await localMirror(orgId)).toEqual(sandboxTags(corpid))

    // Bypass the in-process queue: two transactions apply the same new list concurrently (two pool connections on MySQL).
    await env.deps.db.deleteFrom('tags').where('org_id', '=', orgId).execute()
    await env.deps.db.deleteFrom('tag_groups').where('org_id', '=', orgId).execute()
    const client = await env.deps.wecom.for(orgId)
    const { tag_group } = await client.tag.list({})
    await Promise.all([
      mirrorCorpTags(env.deps, orgId, tag_group),
      mirrorCorpTags(env.deps, orgId, tag_group),
      mirrorCorpTags(env.deps, orgId, tag_group),
    ])
    expect(await localMirror(orgId)).toEqual(sandboxTags(corpid))
  })

  it('a sync that fetched before another instance added a tag never deletes that tag', async () => {
    const { orgId, corpid } = await linkedOrg()
    await env.sandbox.control.tagChange(corpid, { change_type: 'create', tag_type: 'tag_group', group_name: '来源', tags: ['老客'] })
    await syncCorpTags(env.deps, orgId)
    const group = await env.deps.db
      .selectFrom('tag_groups')
      .select('id')
      .where('org_id', '=', orgId)
      .where('source', '=', 'wecom')
      .executeTakeFirstOrThrow()

    // Instance A's sync holds WeCom's answer (taken before the add) until released.
    let fetched!: () => void
    const listTaken = new Promise<void>((resolve) => (fetched = resolve))
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    const gated = {
      async for(id: number, app?: 'contact' | 'agent') {
        const c = await env.deps.wecom.for(id, app)
        const list: typeof c.tag.list = async (req) => {
          const res = await c.tag.list(req)
          fetched()
          await gate
          return res
        }
        return { ...c, tag: { ...c.tag, list } }
      },
    } as unknown as WecomClients
    const second = await openSecondHandle(env.handle)
    try {
      const a = createTestDeps(env.handle, { config: env.deps.config, clock: env.deps.clock, wecom: gated })
      const b = createTestDeps(second, { config: env.deps.config, clock: env.deps.clock })
      const sync = syncCorpTags(a, orgId)
      await listTaken
      const add = addTagsToGroup(b, orgId, { groupId: group.id, names: ['新客'] })
      // Room for the add to reach WeCom and the mirror if nothing holds it back.
      await Promise.race([add, new Promise((resolve) => setTimeout(resolve, 300))])
      release()
      await Promise.all([sync, add])
    } finally {
      await second.close()
    }
    expect(
      sandboxGroup(corpid, '来源')
        .tags.map((t) => t.name)
        .sort(),
    ).toEqual(['新客', '老客'])
    expect(await localMirror(orgId)).toEqual(sandboxTags(corpid))
    const lease = await env.deps.db.selectFrom('job_locks').selectAll().where('name', '=', `tags:${orgId}`).executeTakeFirstOrThrow()
    expect(lease.locked_by, 'released after use').toBeNull()
  })

  it('keeps each org to its own corp', async () => {
    const a = await linkedOrg()
    const b = await linkedOrg()
    await env.sandbox.control.tagChange(a.corpid, { change_type: 'create', tag_type: 'tag_group', group_name: 'A 的组', tags: ['甲'] })
    await env.sandbox.control.tagChange(b.corpid, { change_type: 'create', tag_type: 'tag_group', group_name: 'B 的组', tags: ['乙'] })
    await a.caller.tags.refresh()
    const mirrorA = await localMirror(a.orgId)
    expect(await b.caller.tags.refresh()).toEqual({ groups: 1, tags: 1 })
    expect(await localMirror(a.orgId)).toEqual(mirrorA)
    expect((await b.caller.tags.list()).map((g) => g.name)).toEqual(['B 的组'])
    expect((await a.caller.tags.list()).map((g) => g.name)).toEqual(['A 的组'])
  })
})

describe('tags.* procedures', () => {
  it('creates, extends, renames and deletes WeCom tags at the sandbox first, then mirrors them', async () => {
    const { orgId, corpid, caller } = await linkedOrg()
    const created = await caller.tags.createGroup({
      name: '会员等级',
      order: 5,
      tags: [{ name: '金卡', order: 3 }, { name: '银卡' }, { name: '金卡' }],
    })
    expect(created).toMatchObject({ name: '会员等级', order: 5, source: 'wecom', groupId: sandboxGroup(corpid, '会员等级').group_id })
    expect(created.tags.map((t) => t.name)).toEqual(['金卡', '银卡'])
    expect(await localMirror(orgId)).toEqual(sandboxTags(corpid))

    const extended = await caller.tags.addTags({ groupId: created.id, names: ['铜卡', '金卡'] })
    expect(extended.tags.map((t) => t.name).sort()).toEqual(['金卡', '铜卡', '银卡'].sort())
    expect(
      sandboxGroup(corpid, '会员等级')
        .tags.map((t) => t.name)
        .sort(),
    ).toEqual(['金卡', '铜卡', '银卡'].sort())
    expect(await localMirror(orgId)).toEqual(sandboxTags(corpid))

    const copper = extended.tags.find((t) => t.name === '铜卡')!
    await caller.tags.rename({ id: copper.id, kind: 'tag', name: '普通卡' })
    await caller.tags.rename({ id: created.id, kind: 'group', name: '会员卡' })
    expect(
      sandboxGroup(corpid, '会员卡')
        .tags.map((t) => t.name)
        .sort(),
    ).toEqual(['普通卡', '金卡', '银卡'].sort())
    expect(await localMirror(orgId)).toEqual(sandboxTags(corpid))

    const gold = extended.tags.find((t) => t.name === '金卡')!
    const silver = extended.tags.find((t) => t.name === '银卡')!
    const customer = await customerWithTags(orgId, 'wm_member', [gold.id, silver.id])
    expect((await caller.tags.list())[0].tags.find((t) => t.id === gold.id)?.customerCount).toBe(1)
    expect(await caller.tags.remove({ tagIds: [gold.id] })).toEqual({ tags: 1, groups: 0 })
    expect(
      sandboxGroup(corpid, '会员卡')
        .tags.map((t) => t.name)
        .sort(),
    ).toEqual(['普通卡', '银卡'].sort())
    expect(await env.deps.db.selectFrom('customer_tags').select('tag_ref').where('customer_id', '=', customer).execute()).toEqual([
      { tag_ref: silver.id },
    ])

    // The last tags of a group go: WeCom drops the group, and so does the mirror.
    expect(await caller.tags.remove({ tagIds: [silver.id, copper.id] })).toEqual({ tags: 2, groups: 1 })
    expect(env.sandbox.control.getCorp(corpid).tag_groups).toEqual([])
    expect(await localMirror(orgId)).toEqual([])

    const other = await caller.tags.createGroup({ name: '意向', tags: [{ name: '高' }, { name: '低' }] })
    expect(await caller.tags.remove({ groupIds: [other.id] })).toEqual({ tags: 0, groups: 1 })
    expect(env.sandbox.control.getCorp(corpid).tag_groups).toEqual([])
    expect(await caller.tags.list()).toEqual([])
  })

  it('refuses a taken group name, a long name and the 3000-tag cap before calling WeCom', async () => {
    const { orgId, caller } = await linkedOrg()
    const g = await caller.tags.createGroup({ name: '客户等级', tags: [{ name: 'A级' }] })
    env.sandbox.control.resetCounters()
    expect((await caught(caller.tags.createGroup({ name: '客户等级', tags: [{ name: 'B级' }] }))).code).toBe('CONFLICT')
    expect((await caught(caller.tags.createGroup({ name: '长'.repeat(31), tags: [{ name: 'x' }] }))).code).toBe('BAD_REQUEST')
    expect((await caught(caller.tags.addTags({ groupId: g.id, names: ['名'.repeat(31)] }))).code).toBe('BAD_REQUEST')
    expect((await caught(caller.tags.createGroup({ name: '空组', tags: [] }))).code).toBe('BAD_REQUEST')

    // 2999 mirrored tags (one real + 2998 in a filler group): one more fits, two do not.
    const now = env.deps.clock.now()
    const filler = Number(
      (
        await env.deps.db
          .insertInto('tag_groups')
          .values({ org_id: orgId, group_id: 'filler', name: '填充', sort_order: 0, source: 'wecom', created_at: now, updated_at: now })
          .executeTakeFirstOrThrow()
      ).insertId,
    )
    const rows = Array.from({ length: 2998 }, (_, i) => ({
      org_id: orgId,
      group_ref: filler,
      tag_id: `filler-${i}`,
      name: `填充${i}`,
      sort_order: 0,
      source: 'wecom' as const,
      created_at: now,
      updated_at: now,
    }))
    for (let i = 0; i < rows.length; i += 500)
      await env.deps.db
        .insertInto('tags')
        .values(rows.slice(i, i + 500))
        .execute()
    const capped = await caught(caller.tags.addTags({ groupId: g.id, names: ['B级', 'C级'] }))
    expect(capped.code).toBe('BAD_REQUEST')
    expect(capped.message).toMatch(/3000/)
    expect(tagCalls()).toBe(0)
    // A name already in the group adds nothing, so it does not count against the cap.
    expect((await caller.tags.addTags({ groupId: g.id, names: ['A级', 'B级'] })).tags.map((t) => t.name).sort()).toEqual(['A级', 'B级'])
  })

  it('manages CRM-only tags locally, never calling WeCom, and lists both sources with customer counts', async () => {
    const { orgId, caller } = await linkedOrg()
    const wecom = await caller.tags.createGroup({ name: '客户等级', tags: [{ name: 'A级' }] })
    env.sandbox.control.resetCounters()

    const source = await caller.tags.createGroup({
      name: '来源',
      source: 'crm',
      tags: [{ name: '企业微信-小红书' }, { name: '企业微信-抖音' }],
    })
    expect(source).toMatchObject({ source: 'crm', groupId: null })
    expect(source.tags.every((t) => t.tagId === null && t.source === 'crm')).toBe(true)
    // A CRM group may share a name with a WeCom group (different source), not with another CRM group.
    await caller.tags.createGroup({ name: '客户等级', source: 'crm', tags: [{ name: '内部' }] })
    expect((await caught(caller.tags.createGroup({ name: '来源', source: 'crm', tags: [{ name: 'x' }] }))).code).toBe('CONFLICT')

    const extended = await caller.tags.addTags({ groupId: source.id, names: ['企业微信-百度', '企业微信-抖音'] })
    expect(extended.tags).toHaveLength(3)
    const douyin = extended.tags.find((t) => t.name === '企业微信-抖音')!
    const baidu = extended.tags.find((t) => t.name === '企业微信-百度')!
    expect((await caught(caller.tags.rename({ id: baidu.id, kind: 'tag', name: '企业微信-抖音' }))).code).toBe('CONFLICT')
    await caller.tags.rename({ id: baidu.id, kind: 'tag', name: '百度推广' })
    await caller.tags.rename({ id: source.id, kind: 'group', name: '获客来源' })

    await customerWithTags(orgId, 'wm_c1', [douyin.id, wecom.tags[0].id], '')
    await customerWithTags(orgId, 'wm_c2', [douyin.id], '')
    const list = await caller.tags.list()
    expect(list.map((g) => [g.source, g.name])).toEqual([
      ['wecom', '客户等级'],
      ['crm', '获客来源'],
      ['crm', '客户等级'],
    ])
    const crmGroup = list.find((g) => g.name === '获客来源')!
    expect(crmGroup.tags.map((t) => [t.name, t.customerCount]).sort()).toEqual(
      [
        ['企业微信-小红书', 0],
        ['企业微信-抖音', 2],
        ['百度推广', 0],
      ].sort(),
    )
    expect(list[0].tags[0].customerCount).toBe(1)

    expect(await caller.tags.remove({ tagIds: [douyin.id] })).toEqual({ tags: 1, groups: 0 })
    expect(await env.deps.db.selectFrom('customer_tags').select('tag_ref').where('tag_ref', '=', douyin.id).execute()).toEqual([])
    expect(await caller.tags.remove({ tagIds: crmGroup.tags.filter((t) => t.id !== douyin.id).map((t) => t.id) })).toEqual({
      tags: 2,
      groups: 1,
    })
    expect((await caller.tags.list()).map((g) => g.name)).toEqual(['客户等级', '客户等级'])
    expect(tagCalls()).toBe(0)
  })

  it('a WeCom error leaves the mirror unchanged and carries errcode and hint', async () => {
    const { orgId, corpid, caller } = await linkedOrg()
    const g = await caller.tags.createGroup({ name: '客户等级', tags: [{ name: 'A级' }, { name: 'B级' }] })
    const crm = await caller.tags.createGroup({ name: '来源', source: 'crm', tags: [{ name: '线下' }] })
    const snapshot = async () => ({
      groups: await env.deps.db.selectFrom('tag_groups').selectAll().where('org_id', '=', orgId).orderBy('id').execute(),
      tags: await env.deps.db.selectFrom('tags').selectAll().where('org_id', '=', orgId).orderBy('id').execute(),
    })
    const before = await snapshot()

    // Someone added 「C级」 in the console and no sync ran: WeCom refuses the duplicate name (40071).
    await env.sandbox.control.tagChange(corpid, { change_type: 'create', tag_type: 'tag', group_id: g.groupId!, name: 'C级' })
    const dup = await caught(caller.tags.rename({ id: g.tags[0].id, kind: 'tag', name: 'C级' }))
    expect(dup.message).toContain('错误码 40071')
    expect(dup.cause).toBeInstanceOf(PlatformError)
    expect((dup.cause as PlatformError).errcode).toBe(40071)
    expect(await snapshot()).toEqual(before)

    try {
      env.sandbox.control.setFaults({ rules: [{ endpoint: 'externalcontact/*', errorRate: 1, errorCodes: [48002] }] })
      const failures = [
        () => caller.tags.createGroup({ name: '新组', tags: [{ name: 'x' }] }),
        () => caller.tags.addTags({ groupId: g.id, names: ['D级'] }),
        () => caller.tags.rename({ id: g.id, kind: 'group', name: '等级' }),
        // The CRM tag is not deleted either when the WeCom half of the request fails.
        () => caller.tags.remove({ tagIds: [g.tags[1].id, crm.tags[0].id] }),
        () => caller.tags.refresh(),
      ]
      for (const call of failures) {
        const err = await caught(call())
        expect(err.code).toBe('BAD_GATEWAY')
        expect(err.message).toBe('该应用无权调用此接口，请在「客户联系 - 可调用接口的应用」中配置（错误码 48002）')
        expect((err.cause as PlatformError).errcode).toBe(48002)
      }
    } finally {
      env.sandbox.control.clearFaults()
    }
    expect(await snapshot()).toEqual(before)
    expect(
      sandboxGroup(corpid, '客户等级')
        .tags.map((t) => t.name)
        .sort(),
    ).toEqual(['A级', 'B级', 'C级'])
  })

  it('is isolated between orgs (CRM and WeCom tags)', async () => {
    const snapshot = async (id: number | string) => ({
      group: await env.deps.db.selectFrom('tag_groups').selectAll().where('id', '=', Number(id)).executeTakeFirst(),
      tags: await env.deps.db.selectFrom('tags').selectAll().where('group_ref', '=', Number(id)).orderBy('id').execute(),
    })
    const tagOf = async (id: number | string) => (await snapshot(id)).tags[0].id
    const direct = {
      'tags.addTags': (b: Caller, id: number | string) => b.tags.addTags({ groupId: Number(id), names: ['入侵'] }),
      'tags.rename(group)': (b: Caller, id: number | string) => b.tags.rename({ id: Number(id), kind: 'group', name: '被改了' }),
      'tags.rename(tag)': async (b: Caller, id: number | string) => b.tags.rename({ id: await tagOf(id), kind: 'tag', name: '被改了' }),
      'tags.remove(tag)': async (b: Caller, id: number | string) => b.tags.remove({ tagIds: [await tagOf(id)] }),
      'tags.remove(group)': (b: Caller, id: number | string) => b.tags.remove({ groupIds: [Number(id)] }),
    }
    const lists = { 'tags.list': async (b: Caller) => (await b.tags.list()).map((g) => g.id) }

    await expectTenantIsolation(env.deps, {
      seed: async (a) => (await a.tags.createGroup({ name: '来源', source: 'crm', tags: [{ name: '线下' }] })).id,
      snapshot,
      direct,
      lists,
    })
    await expectTenantIsolation(env.deps, {
      seed: async (a, orgA) => {
        const corp = env.sandbox.control.createCorp({ name: '隔离诊所', members: [{ userid: 'zhangli', name: '张丽' }] })
        await linkOrgToSandboxCorp(env.deps, env.sandbox, orgA, corp.corpid)
        return (await a.tags.createGroup({ name: '客户等级', tags: [{ name: 'A级' }] })).id
      },
      snapshot,
      direct,
      lists,
    })
  })
})
