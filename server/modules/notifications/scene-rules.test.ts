// The scene rules with an injected clock: F-run exclusion, per-line W runs, low balance once-then-daily and reset, expiry once per date, task complete once, recharge, replays.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DbHandle } from '../../db/connect'
import { silentLogger } from '../../lib/logger'
import { Queue } from '../../queue/queue'
import { createOrgWithUser, createTestDeps } from '../../testing/deps'
import { createTestDb, openSecondHandle } from '../../testing/test-db'
import type { IngestEventInput } from '../../../shared/ingest-events'
import { registerNotificationWorkers } from './notifications.workers'
import { runDailyRules } from './scene-daily'
import { NOTIFY_EVENT_JOB } from './scene-rules'

let handle: DbHandle
let deps: ReturnType<typeof createTestDeps>

beforeAll(async () => {
  handle = await createTestDb()
  deps = createTestDeps(handle)
  registerNotificationWorkers(deps)
})
afterAll(async () => handle?.close())

let eventSeq = 0
const iso = (ms: number) => new Date(ms).toISOString()

async function newOrg(name?: string) {
  const { orgId, user } = await createOrgWithUser(deps, 'org_admin', name)
  return { orgId, userId: user.id }
}

async function send(orgId: number, events: IngestEventInput[]): Promise<void> {
  for (const event of events) {
    const eventId = ++eventSeq
    await deps.queue.enqueue(deps.db, NOTIFY_EVENT_JOB, { orgId, eventId, event }, { orgId })
  }
  await deps.queue.runUntilIdle()
}

function call(result: string, over: Partial<Record<string, unknown>> = {}): IngestEventInput {
  const n = ++eventSeq
  return {
    type: 'call_result',
    idempotency_key: `k${n}`,
    call_id: `c${n}`,
    batch_id: 'b-x',
    line_id: 'L1',
    phone: `139${String(n).padStart(8, '0')}`,
    result_class: result,
    // Call order is the order of called_at, whatever order the events are handled in.
    called_at: iso(Date.UTC(2026, 10, 1) + n * 1000),
    ...over,
  } as IngestEventInput
}

const calls = (n: number, result: string, over: Partial<Record<string, unknown>> = {}) =>
  Array.from({ length: n }, () => call(result, over))

const notifications = (orgId: number, scene?: string) => {
  let q = deps.db.selectFrom('notifications').selectAll().where('org_id', '=', orgId)
  if (scene) q = q.where('scene', '=', scene)
  return q.orderBy('id').execute()
}

const inbox = (orgId: number, userId: number) =>
  deps.db.selectFrom('inbox_messages').selectAll().where('org_id', '=', orgId).where('user_id', '=', userId).orderBy('id').execute()

/** 09:00 Beijing time on the given UTC day offset from the clock's day. */
function at0900(dayOffset: number): number {
  const day = 24 * 3600_000
  const beijingDay = Math.floor((deps.clock.now() + 8 * 3600_000) / day) + dayOffset
  return beijingDay * day + 9 * 3600_000 - 8 * 3600_000
}

describe('连续未接通警报', () => {
  it('100 consecutive F raise one alert; the next alert counts only records after them; any other result ends the run', async () => {
    const { orgId, userId } = await newOrg()
    await send(orgId, calls(99, 'F'))
    expect(await notifications(orgId)).toHaveLength(0)
    await send(orgId, calls(1, 'F'))
    const first = await notifications(orgId, 'unanswered_run')
    expect(first).toHaveLength(1)
    expect(first[0]).toMatchObject({ title: '连续未接通警报', content: '您的外呼任务出现连续100通电话未接通，请点击查看' })
    expect((await inbox(orgId, userId)).map((m) => [m.title, m.jump_label])).toEqual([['连续未接通警报', '通话记录']])

    // The 100 already alerted do not count again: 99 more are not a new run of 100.
    await send(orgId, calls(99, 'F'))
    expect(await notifications(orgId, 'unanswered_run')).toHaveLength(1)
    await send(orgId, [call('F')])
    expect(await notifications(orgId, 'unanswered_run')).toHaveLength(2)

    // 50 F, an answered call, 99 F: no run of 100.
    await send(orgId, [...calls(50, 'F'), call('B'), ...calls(99, 'F')])
    expect(await notifications(orgId, 'unanswered_run')).toHaveLength(2)
    await send(orgId, [call('F')])
    expect(await notifications(orgId, 'unanswered_run')).toHaveLength(3)
  })

  it('counts in call order, not arrival order: a late answered call ends the run before it', async () => {
    const { orgId } = await newOrg()
    const fs = calls(120, 'F')
    const breakAt = Date.parse((fs[59] as { called_at: string }).called_at) + 500
    // Arriving last although called between the 60th and the 61st F: only the 60 after it remain a run.
    await send(orgId, [...[...fs].reverse(), call('A', { intention_level: 'A', called_at: iso(breakAt) })])
    expect(await notifications(orgId, 'unanswered_run')).toHaveLength(1)
    const run = await deps.db
      .selectFrom('notify_facts')
      .select('value')
      .where('org_id', '=', orgId)
      .where('fact_key', '=', 'run:F')
      .executeTakeFirstOrThrow()
    expect(JSON.parse(run.value).times).toHaveLength(0)
    const later = await newOrg()
    await send(later.orgId, [...fs.slice(0, 99).reverse(), call('A', { intention_level: 'A', called_at: iso(breakAt) })])
    await send(later.orgId, fs.slice(99))
    // 60 F after the break (fs[60..119]) make no run of 100.
    expect(await notifications(later.orgId, 'unanswered_run')).toHaveLength(0)
  })

  it('a replayed event (same event id) counts once', async () => {
    const { orgId } = await newOrg()
    const event = call('F')
    for (let i = 0; i < 100; i++) await deps.queue.enqueue(deps.db, NOTIFY_EVENT_JOB, { orgId, eventId: 900_000 + orgId, event }, { orgId })
    await deps.queue.runUntilIdle()
    const fact = await deps.db
      .selectFrom('notify_facts')
      .select('value')
      .where('org_id', '=', orgId)
      .where('fact_key', '=', 'run:F')
      .executeTakeFirstOrThrow()
    expect(JSON.parse(fact.value).times).toHaveLength(1)
  })

  it('two instances working through 200 F at once raise exactly two alerts', async () => {
    const { orgId } = await newOrg()
    const second = await openSecondHandle(handle)
    try {
      const q2 = new Queue({ db: second.db, clock: deps.clock, log: silentLogger, instanceId: 'second', concurrency: 4 })
      const deps2 = createTestDeps(second, { clock: deps.clock, queue: q2 })
      registerNotificationWorkers(deps2)
      for (const event of calls(200, 'F'))
        await deps.queue.enqueue(deps.db, NOTIFY_EVENT_JOB, { orgId, eventId: ++eventSeq, event }, { orgId })
      await Promise.all([deps.queue.runUntilIdle(), q2.runUntilIdle()])
      expect(await notifications(orgId, 'unanswered_run')).toHaveLength(2)
    } finally {
      await second.close()
    }
  })
})

describe('线路报错', () => {
  it('counts 100 consecutive W per line; other lines do not interfere; a non-W on the line ends its run', async () => {
    const { orgId } = await newOrg()
    const mixed = []
    for (let i = 0; i < 60; i++) mixed.push(call('W', { line_id: 'L1' }), call('W', { line_id: 'L2' }))
    await send(orgId, mixed)
    expect(await notifications(orgId, 'line_error')).toHaveLength(0)
    // L2's run ends; L1 reaches 100.
    await send(orgId, [call('A', { line_id: 'L2', intention_level: 'A' }), ...calls(40, 'W', { line_id: 'L1' })])
    const alerts = await notifications(orgId, 'line_error')
    expect(alerts).toHaveLength(1)
    expect(alerts[0].content).toBe('您的外呼任务出现连续100通电话线路报错的问题，请点击查看具体报错信息，并联系您的线路提供商')
    expect(alerts[0].dedupe_key).toBe('run:W:L1:1')
    await send(orgId, calls(99, 'W', { line_id: 'L2' }))
    expect(await notifications(orgId, 'line_error')).toHaveLength(1)
    // W on other lines between F calls break the org's F run too (not consecutive F).
  })
})

describe('任务完成', () => {
  it('once when every number of the batch has a result: redials do not count, results before batch_created count', async () => {
    const { orgId } = await newOrg()
    const created = Date.UTC(2026, 10, 21, 2, 30)
    await send(orgId, [call('F', { batch_id: 'B1', phone: '13900000001' }), call('F', { batch_id: 'B1', phone: '13900000001' })])
    await send(orgId, [{ type: 'batch_created', idempotency_key: 'bc1', batch_id: 'B1', total: 3, created_at: iso(created) }])
    await send(orgId, [call('A', { batch_id: 'B1', phone: '13900000002', intention_level: 'A' })])
    expect(await notifications(orgId, 'task_complete')).toHaveLength(0)
    await send(orgId, [call('W', { batch_id: 'B1', phone: '13900000003' }), call('F', { batch_id: 'B1', phone: '13900000004' })])
    const done = await notifications(orgId, 'task_complete')
    expect(done).toHaveLength(1)
    expect(done[0].content).toBe('您在2026-11-21 10:30创建的3通号码的外呼任务已完成，请登录系统查看外呼结果。')
    // A repeated batch_created does not complete it again.
    await send(orgId, [{ type: 'batch_created', idempotency_key: 'bc2', batch_id: 'B1', total: 3, created_at: iso(created) }])
    expect(await notifications(orgId, 'task_complete')).toHaveLength(1)
  })
})

describe('余额不足', () => {
  it('alerts once at once, then daily at 09:00 while below, and resets when the balance is back above the threshold', async () => {
    deps.clock.set(at0900(0) + 3600_000) // 10:00 Beijing
    const { orgId } = await newOrg('余额诊所')
    const balance = (b: number, key: string) => ({ type: 'balance' as const, idempotency_key: key, balance: b, at: iso(deps.clock.now()) })
    await send(orgId, [balance(50, 'b1')])
    const first = await notifications(orgId, 'low_balance')
    expect(first).toHaveLength(1)
    expect(first[0].content).toBe(
      '尊敬的余额诊所，您的账户余额已不足￥100，为了不影响您的外呼任务，请及时充值。详情请登录后台费用中心进行查看，感谢您的使用。',
    )
    await send(orgId, [balance(40, 'b2')])
    expect(await runDailyRules(deps)).toMatchObject({ lowBalance: 0 })
    expect(await notifications(orgId, 'low_balance')).toHaveLength(1)

    deps.clock.set(at0900(1))
    await runDailyRules(deps)
    await runDailyRules(deps)
    expect(await notifications(orgId, 'low_balance')).toHaveLength(2)
    deps.clock.set(at0900(1))
    await runDailyRules(deps)
    expect(await notifications(orgId, 'low_balance')).toHaveLength(3)

    // Back above: reset; the daily rule is quiet; below again alerts at once.
    deps.clock.advance(3600_000)
    await send(orgId, [balance(150, 'b3')])
    deps.clock.set(at0900(1))
    await runDailyRules(deps)
    expect(await notifications(orgId, 'low_balance')).toHaveLength(3)
    await send(orgId, [balance(99.5, 'b4')])
    expect(await notifications(orgId, 'low_balance')).toHaveLength(4)
  })

  it('an older balance event arriving late changes nothing; a recharge is told every time and moves the balance', async () => {
    deps.clock.set(at0900(0) + 3600_000)
    const { orgId } = await newOrg('充值诊所')
    const now = deps.clock.now()
    await send(orgId, [{ type: 'balance', idempotency_key: 'x1', balance: 500, at: iso(now) }])
    await send(orgId, [{ type: 'balance', idempotency_key: 'x2', balance: 10, at: iso(now - 60_000) }])
    expect(await notifications(orgId, 'low_balance')).toHaveLength(0)
    await send(orgId, [
      { type: 'recharge', idempotency_key: 'r1', amount: 200, balance: 700, at: iso(now + 1000) },
      { type: 'recharge', idempotency_key: 'r2', amount: 100.5, balance: 800.5, at: iso(now + 2000) },
    ])
    // The two recharges are handled concurrently: no order between them.
    const rech = await notifications(orgId, 'recharge')
    expect(rech.map((n) => n.content).sort()).toEqual([
      '尊敬的充值诊所，您的充值已成功，您的账户当前余额￥700。',
      '尊敬的充值诊所，您的充值已成功，您的账户当前余额￥800.50。',
    ])
  })
})

describe('账户到期', () => {
  it('daily: within 7 days of expiry → once per expiry date', async () => {
    deps.clock.set(at0900(0))
    const { orgId } = await newOrg('到期诊所')
    const day = 24 * 3600_000
    await send(orgId, [{ type: 'account', idempotency_key: 'a1', expires_at: iso(deps.clock.now() + 10 * day) }])
    await runDailyRules(deps)
    expect(await notifications(orgId, 'expiry')).toHaveLength(0)
    deps.clock.advance(4 * day)
    await runDailyRules(deps)
    deps.clock.advance(day)
    await runDailyRules(deps)
    const alerts = await notifications(orgId, 'expiry')
    expect(alerts).toHaveLength(1)
    expect(alerts[0]).toMatchObject({ title: '账户到期预警', content: '尊敬的到期诊所，您的账户即将到期，请联系您的销售经理进行延期。' })
    // Extended by three days: a new expiry date, a new alert.
    await send(orgId, [{ type: 'account', idempotency_key: 'a2', expires_at: iso(deps.clock.now() + 8 * day) }])
    deps.clock.advance(2 * day)
    await runDailyRules(deps)
    expect(await notifications(orgId, 'expiry')).toHaveLength(2)
  })
})
