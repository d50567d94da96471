// Automation rules on a hand-moved clock: a birthday rule sends once per customer per year, also with two instances at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../lib/clock'
import { silentLogger } from '../../lib/logger'
import { Queue } from '../../queue/queue'
import { createTestDeps } from '../../testing/deps'
import { openSecondHandle } from '../../testing/test-db'
import { createWecomEnv, type WecomEnv } from '../../testing/wecom-env'
import { expectTenantIsolation } from '../../testing/tenant'
import type { DbHandle } from '../../db/connect'
import type { Deps } from '../../deps'
import { seedCustomers, setCustomer } from '../broadcasts/broadcasts.test-fixtures'
import { periodKey, runDueRules } from './broadcast-rules.service'

let env: WecomEnv
let clock: ManualClock
let second: DbHandle
let b: Deps

beforeAll(async () => {
  // 2026-03-10 01:00 UTC = 09:00 in Beijing.
  clock = new ManualClock(Date.UTC(2026, 2, 10, 1, 0, 0))
  env = await createWecomEnv({ clock, workers: false })
  second = await openSecondHandle(env.handle)
  b = createTestDeps(second, {
    config: env.deps.config,
    clock,
    queue: new Queue({ db: second.db, clock, log: silentLogger, instanceId: 'b' }),
  })
}, 60_000)
afterAll(async () => {
  await second?.close()
  await env?.close()
})

const addCalls = () => env.sandbox.control.getCounters().endpoints['externalcontact/add_msg_template']?.calls ?? 0

describe('periods', () => {
  it('keys periods in China time', () => {
    // 2026-12-31 17:00 UTC is already 2027-01-01 in Beijing.
    const t = Date.UTC(2026, 11, 31, 17, 0, 0)
    expect(periodKey('year', t)).toBe('2027')
    expect(periodKey('month', t)).toBe('2027-01')
    expect(periodKey('day', t)).toBe('2027-01-01')
    expect(periodKey('week', t)).toBe('2026-W53')
    expect(periodKey('week', Date.UTC(2026, 2, 10, 1))).toBe('2026-W11')
    expect(periodKey('once', t)).toBe('once')
  })
})

describe('birthday rule', () => {
  it('7 days before the birthday: once per customer per year, reruns and a second instance send nothing twice', async () => {
    const seeded = await seedCustomers(env, { customers: 5, userids: ['zhangli', 'wangfang'] })
    // 03-17 is 7 days after 03-10; the others are not due.
    for (const [i, c] of seeded.entries())
      await env.caller.broadcastRules.setBirthday({ customerId: c.id, birthday: i < 3 ? '03-17' : '03-18' })
    const { id } = await env.caller.broadcastRules.create({
      name: '生日关怀',
      condition: { kind: 'birthday_in_days', days: 7 },
      content: { text: '生日快乐！到店领取生日礼', attachments: [] },
      period: 'year',
      enabled: true,
    })
    const before = addCalls()
    // The daily tick on both instances at once.
    const [ra, rb] = await Promise.all([runDueRules(env.deps), runDueRules(b)])
    expect(ra.sent + rb.sent).toBe(3)
    await env.deps.queue.runUntilIdle()
    const sends = await env.deps.db.selectFrom('broadcast_rule_sends').selectAll().where('rule_id', '=', id).execute()
    expect(sends.map((s) => s.customer_id).sort((x, y) => x - y)).toEqual(seeded.slice(0, 3).map((c) => c.id))
    expect(new Set(sends.map((s) => s.period_key))).toEqual(new Set(['2026']))
    const targets = await env.deps.db
      .selectFrom('broadcast_targets')
      .select('customer_id')
      .where('broadcast_id', 'in', [...new Set(sends.map((s) => s.broadcast_id))])
      .execute()
    expect(targets).toHaveLength(3)
    const calls = addCalls() - before
    expect(calls).toBeGreaterThan(0)

    // A rerun the same day, and the next days until the birthday passes: nothing more.
    expect((await env.caller.broadcastRules.runNow({ id })).sent).toBe(0)
    await env.deps.queue.runUntilIdle()
    expect(addCalls() - before).toBe(calls)
    const [rule] = (await env.caller.broadcastRules.list()).filter((r) => r.id === id)
    expect(rule).toMatchObject({ lastMatched: 3, lastSent: 0 })

    // A year later, the same day: each of them once more.
    clock.set(Date.UTC(2027, 2, 10, 1, 0, 0))
    const [ya, yb] = await Promise.all([runDueRules(env.deps), runDueRules(b)])
    expect(ya.sent + yb.sent).toBe(3)
    clock.set(Date.UTC(2026, 2, 10, 1, 0, 0))
  })

  it('added N days ago and has-tag conditions', async () => {
    const seeded = await seedCustomers(env, { customers: 3, userids: ['liuyang'] })
    const day = 24 * 3600_000
    // Beijing midnight of 2026-03-10 is 2026-03-09 16:00 UTC; "3 days ago" is the CST day 03-07.
    const cstMidnight = Date.UTC(2026, 2, 9, 16)
    await setCustomer(env, seeded[0].id, { first_added_at: cstMidnight - 3 * day + 60_000 })
    await setCustomer(env, seeded[1].id, { first_added_at: cstMidnight - 2 * day + 60_000 })
    await setCustomer(env, seeded[2].id, { first_added_at: cstMidnight - 4 * day + 60_000 })
    const { id } = await env.caller.broadcastRules.create({
      name: '添加 3 天回访',
      condition: { kind: 'added_days_ago', days: 3 },
      content: { text: '体验如何？', attachments: [] },
      period: 'once',
      enabled: true,
    })
    const r = await env.caller.broadcastRules.runNow({ id })
    expect(r.matched).toBeGreaterThanOrEqual(1)
    const sends = await env.deps.db.selectFrom('broadcast_rule_sends').select('customer_id').where('rule_id', '=', id).execute()
    expect(sends.map((s) => s.customer_id)).toContain(seeded[0].id)
    expect(sends.map((s) => s.customer_id)).not.toContain(seeded[1].id)
    expect(sends.map((s) => s.customer_id)).not.toContain(seeded[2].id)
  })
})

describe('tenancy', () => {
  it('another org can neither change nor run a rule, nor set a birthday on this org’s customer', async () => {
    await expectTenantIsolation(env.deps, {
      seed: async (a) =>
        (
          await a.broadcastRules.create({
            name: 'A 规则',
            condition: { kind: 'has_tag', tagId: 1 },
            content: { text: 'A', attachments: [] },
            period: 'month',
            enabled: false,
          })
        ).id,
      snapshot: (id) => env.deps.db.selectFrom('broadcast_rules').selectAll().where('id', '=', Number(id)).executeTakeFirst(),
      direct: {
        update: (c, id) =>
          c.broadcastRules.update({
            id: Number(id),
            name: 'B',
            condition: { kind: 'has_tag', tagId: 1 },
            content: { text: 'B', attachments: [] },
            period: 'month',
            enabled: true,
          }),
        runNow: (c, id) => c.broadcastRules.runNow({ id: Number(id) }),
      },
      lists: { list: async (c) => (await c.broadcastRules.list()).map((r) => r.id) },
    })
    const [cust] = await seedCustomers(env, { customers: 1, userids: ['zhangli'] })
    await expectTenantIsolation(env.deps, {
      seed: async () => cust.id,
      snapshot: async () => ({
        birthday: (await env.deps.db.selectFrom('customer_birthdays').selectAll().where('customer_id', '=', cust.id).execute()).length + 1,
      }),
      direct: { setBirthday: (c, id) => c.broadcastRules.setBirthday({ customerId: Number(id), birthday: '01-01' }) },
    })
  })
})
