// Customer sync against the sandbox: exact mirror, zero writes when nothing changed, resumable after a crash, faults, one run per org.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TRPCError } from '@trpc/server'
import { openSecondHandle } from '../../testing/test-db'
import { createTestDeps, createOrgWithUser } from '../../testing/deps'
import { callerFor } from '../../testing/tenant'
import { createWecomEnv, type WecomEnv } from '../../testing/wecom-env'
import { WecomClients } from '../wecom-config/wecom-client'
import { ConflictError } from '../../lib/errors'
import type { Deps } from '../../deps'
import { contactWayCreateInput } from '../../../shared/schemas/contact-way'
import { SOURCE_TAG_GROUP } from '../../../shared/schemas/contact-way'
import { runOrgSync, SimulatedCrash, SQLITE_WRITE_AHEAD } from './customers.sync'

const STAFF = 50
let env: WecomEnv
let corp: ReturnType<WecomEnv['sandbox']['state']['corps']['get']> & object

/** Clients that give up fast, so timeouts and 45009 pauses cost milliseconds here. */
function fastClients(deps: Deps): WecomClients {
  return new WecomClients({
    db: deps.db,
    secrets: deps.secrets,
    tokens: deps.tokens,
    limiter: deps.wecomLimiter,
    log: deps.log,
    apiBase: deps.config.wecomApiBase,
    call: { timeoutMs: 400, rateLimitWaitMs: 30, retry: { maxRetries: 3, baseDelayMs: 5, maxDelayMs: 30 } },
  })
}

/** What WeCom holds (the sandbox), as the rows the sync must have written. */
function truth() {
  const out = new Map<string, unknown>()
  for (const [userid, follows] of corp.followsByUser) {
    for (const f of follows) {
      const c = corp.customers.get(f.external_userid)!
      out.set(`${f.external_userid}|${userid}`, {
        name: c.name,
        avatar: c.avatar || null,
        type: c.type,
        gender: c.gender,
        remark: f.remark,
        description: f.description,
        remark_mobiles: JSON.stringify(f.remark_mobiles),
        add_way: f.add_way,
        state: f.state,
        oper_userid: f.oper_userid,
        createtime: f.createtime * 1000,
        tags: [...corp.liveTagIds(f)].sort(),
      })
    }
  }
  return out
}

/** The same view read from the database: active relations with their customer and WeCom tag links. */
async function mirror(orgId = env.orgId) {
  const db = env.deps.db
  const rows = await db
    .selectFrom('customer_follows as f')
    .innerJoin('customers as c', 'c.id', 'f.customer_id')
    .select([
      'f.id',
      'c.id as cid',
      'c.external_userid',
      'f.userid',
      'c.name',
      'c.avatar',
      'c.type',
      'c.gender',
      'f.remark',
      'f.description',
      'f.remark_mobiles',
      'f.add_way',
      'f.state',
      'f.oper_userid',
      'f.createtime',
    ])
    .where('f.org_id', '=', orgId)
    .where('f.status', '=', 'active')
    .execute()
  const links = await db
    .selectFrom('customer_tags as ct')
    .innerJoin('tags as t', 't.id', 'ct.tag_ref')
    .select(['ct.customer_id', 'ct.userid', 't.tag_id'])
    .where('ct.org_id', '=', orgId)
    .where('ct.userid', '!=', '')
    .execute()
  const tagsOf = new Map<string, string[]>()
  for (const l of links) tagsOf.set(`${l.customer_id}|${l.userid}`, [...(tagsOf.get(`${l.customer_id}|${l.userid}`) ?? []), l.tag_id!])
  const out = new Map<string, unknown>()
  for (const r of rows) {
    out.set(`${r.external_userid}|${r.userid}`, {
      name: r.name,
      avatar: r.avatar,
      type: Number(r.type),
      gender: Number(r.gender),
      remark: r.remark,
      description: r.description,
      remark_mobiles: r.remark_mobiles,
      add_way: Number(r.add_way),
      state: r.state,
      oper_userid: r.oper_userid,
      createtime: Number(r.createtime),
      tags: (tagsOf.get(`${r.cid}|${r.userid}`) ?? []).sort(),
    })
  }
  return out
}

async function expectExact() {
  const [want, have] = [truth(), await mirror()]
  expect(have.size).toBe(want.size)
  for (const [k, v] of want) expect(have.get(k), k).toEqual(v)
}

const countWhere = async (table: 'customers' | 'customer_follows', since: number) =>
  Number(
    (
      await env.deps.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('org_id', '=', env.orgId)
        .where('updated_at', '>=', since)
        .executeTakeFirstOrThrow()
    ).n,
  )
const tagLinkCount = async () =>
  Number(
    (
      await env.deps.db
        .selectFrom('customer_tags')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('org_id', '=', env.orgId)
        .executeTakeFirstOrThrow()
    ).n,
  )
const tick = () => new Promise((r) => setTimeout(r, 5))

beforeAll(async () => {
  const members = Object.fromEntries(Array.from({ length: STAFF }, (_, i) => [`staff${String(i + 1).padStart(2, '0')}`, `员工${i + 1}`]))
  env = await createWecomEnv({ workers: false, members })
  env.deps.wecom = fastClients(env.deps)
  corp = env.sandbox.state.corps.get(env.corpid)!
  await env.sandbox.control.tagChange(env.corpid, {
    change_type: 'create',
    tag_type: 'tag_group',
    group_name: '客户等级',
    tags: ['A级意向', 'B级意向', 'C级意向'],
    wait: false,
  })
  // 4 000 customers with one member, 1 000 followed by three members each: 7 000 relations.
  env.sandbox.control.seedBulk(env.corpid, { customers: 4000, followers_per_customer: 1, tags_per_relation: 1 })
  env.sandbox.control.seedBulk(env.corpid, { customers: 1000, followers_per_customer: 3, tags_per_relation: 2 })
}, 30_000)
afterAll(async () => env?.close())

describe('customer sync', () => {
  it('mirrors the corp field by field; a second pass writes nothing; 10 changed customers update exactly their rows', async () => {
    const progress: number[] = []
    const first = await runOrgSync(env.deps, env.orgId, { usersPerCall: 10, onProgress: (d) => progress.push(d) })
    expect(first).toMatchObject({ relations: 7000, created: 7000, updated: 0, lost: 0, customersCreated: 5000 })
    expect(progress.at(-1)).toBe(7000)
    await expectExact()

    await tick()
    const t2 = Date.now()
    const links = await tagLinkCount()
    const second = await runOrgSync(env.deps, env.orgId, { usersPerCall: 10 })
    expect(second).toMatchObject({ relations: 7000, created: 0, updated: 0, unchanged: 7000, lost: 0 })
    expect(await countWhere('customers', t2)).toBe(0)
    expect(await countWhere('customer_follows', t2)).toBe(0)
    expect(await tagLinkCount()).toBe(links)

    // Ten single-follower customers rename themselves at WeCom.
    const changed = [...corp.customers.values()].slice(0, 10)
    for (const c of changed) c.name = `${c.name}改`
    await tick()
    const t3 = Date.now()
    const third = await runOrgSync(env.deps, env.orgId, { usersPerCall: 10 })
    expect(third).toMatchObject({ created: 0, updated: 10, unchanged: 6990, lost: 0 })
    const touched = await env.deps.db
      .selectFrom('customers')
      .select('external_userid')
      .where('org_id', '=', env.orgId)
      .where('updated_at', '>=', t3)
      .execute()
    expect(touched.map((r) => r.external_userid).sort()).toEqual(changed.map((c) => c.external_userid).sort())
    expect(await countWhere('customer_follows', t3)).toBe(0)
    await expectExact()
  }, 30_000)

  it('marks the relations WeCom no longer lists as lost at the end of the pass', async () => {
    const gone = [...corp.followsByUser.get('staff07')!].slice(0, 3)
    for (const f of gone)
      await env.sandbox.control.staffDeletesCustomer(env.corpid, { userid: 'staff07', external_userid: f.external_userid, wait: false })
    const r = await runOrgSync(env.deps, env.orgId, { usersPerCall: 10 })
    expect(r.lost).toBe(3)
    const lost = await env.deps.db
      .selectFrom('customer_follows as f')
      .innerJoin('customers as c', 'c.id', 'f.customer_id')
      .select(['c.external_userid', 'f.status'])
      .where('f.org_id', '=', env.orgId)
      .where('f.status', '=', 'lost')
      .execute()
    expect(lost.map((x) => x.external_userid).sort()).toEqual(gone.map((f) => f.external_userid).sort())
    await expectExact()
  }, 20_000)

  it('resumes a crashed pass where it stopped, soon after the crash, and ends exact without duplicates', async () => {
    const okCalls = () => env.sandbox.context.counters.snapshot().endpoints['externalcontact/batch/get_by_user']?.ok ?? 0
    const callsBefore = okCalls()
    const crashed = await runOrgSync(env.deps, env.orgId, {
      usersPerCall: 10,
      concurrency: 2,
      leaseTtlMs: 600,
      crashAfterPage: (pages) => pages === 25,
    }).catch((e: unknown) => e)
    expect(crashed).toBeInstanceOf(SimulatedCrash)
    const crashAt = Date.now()
    // While the dead runner's lease lasts, nobody else starts the org.
    await expect(runOrgSync(env.deps, env.orgId, { usersPerCall: 10 })).rejects.toBeInstanceOf(ConflictError)
    // Meanwhile WeCom changes: new customers, and a relation ends in a chunk the crashed part already walked.
    env.sandbox.control.seedBulk(env.corpid, { customers: 30, followers_per_customer: 2 })
    const f = corp.followsByUser.get('staff01')![0]
    await env.sandbox.control.staffDeletesCustomer(env.corpid, { userid: 'staff01', external_userid: f.external_userid, wait: false })

    let resumed
    let startedAt: number
    for (;;) {
      try {
        startedAt = Date.now()
        resumed = await runOrgSync(env.deps, env.orgId, { usersPerCall: 10 })
        break
      } catch (err) {
        if (!(err instanceof ConflictError)) throw err
        await new Promise((r) => setTimeout(r, 100))
      }
    }
    // The dead runner's short lease let the next run in within seconds (not the resumed run's own duration, which
    // depends on the machine).
    expect(startedAt - crashAt).toBeLessThan(5_000)
    expect(resumed.resumed).toBe(true)
    // Pages are committed once each; only what was in flight at the crash was fetched twice: per chunk (concurrency 2)
    // the pages waiting for the writer (one on MySQL, up to SQLITE_WRITE_AHEAD on SQLite) and the next one fetched ahead.
    const fetched = okCalls() - callsBefore
    expect(fetched - resumed.pages).toBeLessThanOrEqual(2 * ((env.deps.dialect === 'sqlite' ? SQLITE_WRITE_AHEAD : 1) + 1))
    expect(fetched - resumed.pages).toBeGreaterThanOrEqual(0)
    const want = truth()
    const dupes = await env.deps.db
      .selectFrom('customers')
      .select(['external_userid', (eb) => eb.fn.countAll<number>().as('n')])
      .where('org_id', '=', env.orgId)
      .groupBy('external_userid')
      .having((eb) => eb.fn.countAll(), '>', 1)
      .execute()
    expect(dupes).toEqual([])
    // The next pass is a fresh one and settles whatever changed during the crashed one.
    const next = await runOrgSync(env.deps, env.orgId, { usersPerCall: 10 })
    expect(next.resumed).toBe(false)
    expect((await mirror()).size).toBe(want.size)
    await expectExact()
  }, 30_000)

  it('converges exactly under 10 % injected faults (−1, 45009, timeouts)', async () => {
    for (const c of [...corp.customers.values()].slice(100, 120)) c.name = `${c.name}变`
    env.sandbox.control.seedBulk(env.corpid, { customers: 50, followers_per_customer: 1, tags_per_relation: 1 })
    env.sandbox.control.setFaults({
      rules: [{ endpoint: 'externalcontact/*', errorRate: 0.07, errorCodes: [-1, 45009], timeoutRate: 0.03, timeoutMode: 'hang' }],
      seed: 7,
    })
    try {
      const faulted = () => Object.values(env.sandbox.context.counters.snapshot().endpoints['externalcontact/batch/get_by_user'].errors)
      const errorsBefore = faulted().reduce((a, b) => a + b, 0)
      const r = await runOrgSync(env.deps, env.orgId, { usersPerCall: 10 })
      expect(r.created).toBe(50)
      // The faults did happen (timeouts are not answered, so they are not counted here).
      expect(faulted().reduce((a, b) => a + b, 0)).toBeGreaterThan(errorsBefore)
    } finally {
      env.sandbox.control.clearFaults()
    }
    await expectExact()
  }, 30_000)

  it('runs one pass per org across two instances at once', async () => {
    const second = await openSecondHandle(env.handle)
    try {
      const other = createTestDeps(second, { config: env.deps.config, clock: env.deps.clock }) as Deps
      other.wecom = fastClients(other)
      const outcomes = await Promise.allSettled([
        runOrgSync(env.deps, env.orgId, { usersPerCall: 10 }),
        runOrgSync(other, env.orgId, { usersPerCall: 10 }),
      ])
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1)
      const refused = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult
      expect(refused.reason).toBeInstanceOf(ConflictError)
    } finally {
      await second.close()
    }
  }, 20_000)

  it('立即同步 starts the org admin’s own org once; a second click while it runs is refused; status shows the run', async () => {
    await expect(env.caller.customers.syncNow()).resolves.toEqual({ started: true })
    const again = await env.caller.customers.syncNow().catch((e: unknown) => e)
    expect(again).toBeInstanceOf(TRPCError)
    expect((again as TRPCError).code).toBe('CONFLICT')
    const done = await env.waitFor(async () => {
      const s = await env.caller.customers.syncStatus()
      return !s.running && s.last?.status === 'succeeded' ? s : null
    }, 20_000)
    expect(done.last).toMatchObject({ trigger: 'manual', total: done.last!.done })
    expect(done.last!.done).toBe(truth().size)
    const runs = await env.caller.jobs.runs({ page: 1, pageSize: 5, jobName: 'customer-sync' })
    expect(runs.items[0]).toMatchObject({ orgId: env.orgId, status: 'succeeded' })
  }, 30_000)

  it('keeps each org to its own sync status, settings and runs', async () => {
    const b = await createOrgWithUser(env.deps, 'org_admin')
    const callerB = callerFor(env.deps, b.user)
    expect((await callerB.customers.syncStatus()).last).toBeNull()
    await callerB.customers.syncSettings({ enabled: false, hour: 5 })
    expect(await env.caller.customers.syncStatus()).toMatchObject({ enabled: true, hour: 2 })
    const runsB = await callerB.jobs.runs({ page: 1, pageSize: 50 })
    expect(runsB.items.filter((r) => r.orgId === env.orgId)).toEqual([])
    // B has no WeCom configuration: its 立即同步 fails on its own org and does not touch A's.
    const err = await callerB.customers.syncNow().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(TRPCError)
    expect((await env.caller.customers.syncStatus()).last?.status).toBe('succeeded')
    // A member may look but not start or change the schedule.
    const member = await createOrgWithUser(env.deps, 'org_member')
    const m = callerFor(env.deps, member.user)
    await expect(m.customers.syncNow()).rejects.toMatchObject({ code: 'FORBIDDEN' })
  }, 20_000)
})

describe('channel attribution', () => {
  it('a code made after a relation never claims it; imported external codes credit only the relations they brought', async () => {
    const client = await env.deps.wecom.for(env.orgId)
    // A CRM code made today with a state older relations (seeded weeks ago) also carry.
    const way = await env.caller.contactWays.create(
      contactWayCreateInput.parse({ channelName: '小红书新码', state: 'xiaohongshu', type: 2, userIds: ['staff01', 'staff02'] }),
    )
    // A code made in the WeCom admin (not through the CRM), after relations with its state already existed.
    env.sandbox.control.seedBulk(env.corpid, { customers: 5, followers_per_customer: 1, states: ['ext_booth'] })
    await new Promise((r) => setTimeout(r, 1100))
    const ext = await client.contactWay.add({ type: 1, scene: 2, user: ['staff03'], state: 'ext_booth', remark: '展会' })
    const scanned = await env.sandbox.control.scan(env.corpid, { config_id: ext.config_id, wait: false })
    const viaCrm = await env.sandbox.control.scan(env.corpid, { config_id: way.configId!, wait: false })
    void scanned
    void viaCrm

    await runOrgSync(env.deps, env.orgId, { usersPerCall: 10 })
    const imported = await env.deps.db
      .selectFrom('contact_ways')
      .selectAll()
      .where('org_id', '=', env.orgId)
      .where('config_id', '=', ext.config_id)
      .executeTakeFirstOrThrow()
    expect(imported).toMatchObject({ external: 1, wecom_state: 'ext_booth', channel_name: '展会' })
    const byWay = async (wayId: number) =>
      env.deps.db
        .selectFrom('customer_follows')
        .select(['state', 'createtime'])
        .where('org_id', '=', env.orgId)
        .where('contact_way_id', '=', wayId)
        .execute()
    const crmClaims = await byWay(way.id)
    expect(crmClaims).toHaveLength(1)
    expect(Number(crmClaims[0].createtime)).toBeGreaterThanOrEqual(Math.floor(way.createdAt / 1000) * 1000 - 5000)
    const extClaims = await byWay(imported.id)
    expect(extClaims).toHaveLength(1)
    const unattributed = await env.deps.db
      .selectFrom('customer_follows')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('org_id', '=', env.orgId)
      .where('state', 'in', ['ext_booth', 'xiaohongshu'])
      .where('contact_way_id', 'is', null)
      .executeTakeFirstOrThrow()
    expect(Number(unattributed.n)).toBeGreaterThan(5)
    // The source tag goes only on relations the code really brought.
    const sourceTagged = await env.deps.db
      .selectFrom('customer_tags as ct')
      .innerJoin('tags as t', 't.id', 'ct.tag_ref')
      .innerJoin('tag_groups as g', 'g.id', 't.group_ref')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('ct.org_id', '=', env.orgId)
      .where('g.name', '=', SOURCE_TAG_GROUP)
      .executeTakeFirstOrThrow()
    expect(Number(sourceTagged.n)).toBe(2)
    // Read-only here.
    await expect(env.caller.contactWays.remove({ id: imported.id })).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' })
  }, 30_000)
})
