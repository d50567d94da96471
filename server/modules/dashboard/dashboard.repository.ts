// 概览's aggregate queries: per-day adds and losses, channel and staff rankings, welcome outcomes, callback and queue health, last sync.
import { sql } from 'kysely'
import type { Executor } from '../../db/database'
import { num } from '../../db/dialect'
import { shanghaiDayStart } from '../contact-ways/contact-ways.repository'

export interface Range {
  /** epoch ms, inclusive */
  from: number
  /** epoch ms, exclusive */
  to: number
}

export interface DayCount {
  dayStart: number
  n: number
}

/** Customers first added per Beijing day (the customers list's 添加时间), over (org_id, first_added_at). */
export async function countNewCustomersByDay(db: Executor, orgId: number, r: Range): Promise<DayCount[]> {
  const day = shanghaiDayStart(sql<number>`${sql.ref('first_added_at')}`)
  const rows = await db
    .selectFrom('customers')
    .where('org_id', '=', orgId)
    .where('first_added_at', '>=', r.from)
    .where('first_added_at', '<', r.to)
    .select((eb) => [day.as('day_start'), eb.fn.countAll().as('n')])
    .groupBy(day)
    .execute()
  return rows.map((x) => ({ dayStart: num(x.day_start), n: num(x.n) }))
}

/**
 * Relations ended per Beijing day, counted as the 流失客户 tab counts them: lost (the customer's side, the sync) by
 * lost_at, deleted (the staff member's side) by deleted_at. Two queries, so each ranges over its own index.
 */
export async function countEndedByDay(db: Executor, orgId: number, r: Range): Promise<DayCount[]> {
  const out: DayCount[] = []
  for (const [status, column] of [
    ['lost', 'lost_at'],
    ['deleted', 'deleted_at'],
  ] as const) {
    const day = shanghaiDayStart(sql<number>`${sql.ref(column)}`)
    const rows = await db
      .selectFrom('customer_follows')
      .where('org_id', '=', orgId)
      .where('status', '=', status)
      .where(column, '>=', r.from)
      .where(column, '<', r.to)
      .select((eb) => [day.as('day_start'), eb.fn.countAll().as('n')])
      .groupBy(day)
      .execute()
    for (const x of rows) out.push({ dayStart: num(x.day_start), n: num(x.n) })
  }
  return out
}

/** Customers attributed to each 联系我 code and first added in the range, and how many of them are still active. */
export async function rankChannels(db: Executor, orgId: number, r: Range, limit: number) {
  const rows = await db
    .selectFrom('customers as c')
    .innerJoin('contact_ways as w', (j) => j.onRef('w.id', '=', 'c.contact_way_id').onRef('w.org_id', '=', 'c.org_id'))
    .where('c.org_id', '=', orgId)
    .where('c.contact_way_id', 'is not', null)
    .where('c.first_added_at', '>=', r.from)
    .where('c.first_added_at', '<', r.to)
    .select((eb) => [
      'w.id as way_id',
      'w.channel_name',
      'w.state',
      eb.fn.countAll().as('adds'),
      eb.fn.sum<number>(eb.case().when('c.status', '=', 'active').then(1).else(0).end()).as('active'),
    ])
    .groupBy(['w.id', 'w.channel_name', 'w.state'])
    .orderBy('adds', 'desc')
    .orderBy('w.id')
    .limit(limit)
    .execute()
  return rows.map((x) => ({ wayId: x.way_id, channelName: x.channel_name, state: x.state, adds: num(x.adds), active: num(x.active) }))
}

/** Relations each staff member gained in the range (by createtime). */
export async function countAddsByStaff(db: Executor, orgId: number, r: Range) {
  const rows = await db
    .selectFrom('customer_follows')
    .where('org_id', '=', orgId)
    .where('createtime', '>=', r.from)
    .where('createtime', '<', r.to)
    .select((eb) => ['userid', eb.fn.countAll().as('n')])
    .groupBy('userid')
    .execute()
  return rows.map((x) => ({ userid: x.userid, n: num(x.n) }))
}

/** Relations each staff member lost in the range: lost by lost_at, deleted by deleted_at (as countEndedByDay). */
export async function countEndedByStaff(db: Executor, orgId: number, r: Range) {
  const out: { userid: string; n: number }[] = []
  for (const [status, column] of [
    ['lost', 'lost_at'],
    ['deleted', 'deleted_at'],
  ] as const) {
    const rows = await db
      .selectFrom('customer_follows')
      .where('org_id', '=', orgId)
      .where('status', '=', status)
      .where(column, '>=', r.from)
      .where(column, '<', r.to)
      .select((eb) => ['userid', eb.fn.countAll().as('n')])
      .groupBy('userid')
      .execute()
    for (const x of rows) out.push({ userid: x.userid, n: num(x.n) })
  }
  return out
}

/** Welcome attempts in the range per staff member and outcome, over (org_id, created_at). */
export async function countWelcomesByStaff(db: Executor, orgId: number, r: Range) {
  const rows = await db
    .selectFrom('welcome_sends')
    .where('org_id', '=', orgId)
    .where('created_at', '>=', r.from)
    .where('created_at', '<', r.to)
    .select((eb) => ['userid', 'status', eb.fn.countAll().as('n')])
    .groupBy(['userid', 'status'])
    .execute()
  return rows.map((x) => ({ userid: x.userid, status: x.status, n: num(x.n) }))
}

export async function findStaffNames(db: Executor, orgId: number, userids: string[]): Promise<Map<string, string>> {
  if (userids.length === 0) return new Map()
  const rows = await db
    .selectFrom('wecom_staff')
    .select(['userid', 'name'])
    .where('org_id', '=', orgId)
    .where('userid', 'in', userids)
    .execute()
  return new Map(rows.map((x) => [x.userid, x.name]))
}

/** The org's callback events: when the last one arrived, and how many failed in the range or wait (pending, held). */
export async function callbackStats(db: Executor, orgId: number, r: Range) {
  const last = await db
    .selectFrom('callback_events')
    .where('org_id', '=', orgId)
    .select((eb) => eb.fn.max('received_at').as('at'))
    .executeTakeFirst()
  const failed = await db
    .selectFrom('callback_events')
    .where('org_id', '=', orgId)
    .where('received_at', '>=', r.from)
    .where('received_at', '<', r.to)
    .where('status', '=', 'failed')
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow()
  const waiting = await db
    .selectFrom('callback_events')
    .where('org_id', '=', orgId)
    .where('status', 'in', ['pending', 'held'])
    .select((eb) => ['status', eb.fn.countAll().as('n')])
    .groupBy('status')
    .execute()
  const of = (s: string) => num(waiting.find((w) => w.status === s)?.n)
  // The range starts on a Beijing day, as the refusal rows do.
  const refused = await db
    .selectFrom('callback_refusals')
    .where('org_id', '=', orgId)
    .where('day', '>=', r.from)
    .where('day', '<', r.to)
    .select((eb) => eb.fn.sum<number>('refused').as('n'))
    .executeTakeFirst()
  return {
    lastReceivedAt: last?.at == null ? null : num(last.at),
    failed: num(failed.n),
    refused: num(refused?.n),
    pending: of('pending'),
    held: of('held'),
  }
}

/** The org's queue backlog: jobs waiting or running, jobs given up on (dead), and the oldest waiting job's due time. */
export async function queueStats(db: Executor, orgId: number) {
  const rows = await db
    .selectFrom('queue_jobs')
    .where('org_id', '=', orgId)
    .where('status', 'in', ['pending', 'running', 'dead'])
    .select((eb) => ['status', eb.fn.countAll().as('n'), eb.fn.min('run_after').as('oldest')])
    .groupBy('status')
    .execute()
  const of = (s: string) => rows.find((x) => x.status === s)
  const pending = of('pending')
  return {
    pending: num(pending?.n),
    running: num(of('running')?.n),
    dead: num(of('dead')?.n),
    oldestPendingAt: pending?.oldest == null ? null : num(pending.oldest),
  }
}

/** The org's latest customer sync pass with the relations its chunks listed, created and updated. */
export async function findLastSync(db: Executor, orgId: number) {
  const run = await db
    .selectFrom('customer_sync_runs')
    .select(['id', 'trigger', 'status', 'lost', 'errors', 'error', 'started_at', 'finished_at'])
    .where('org_id', '=', orgId)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst()
  if (!run) return null
  const sums = await db
    .selectFrom('customer_sync_chunks')
    .where('run_id', '=', run.id)
    .select((eb) => [
      eb.fn.sum<number>('relations').as('relations'),
      eb.fn.sum<number>('created').as('created'),
      eb.fn.sum<number>('updated').as('updated'),
    ])
    .executeTakeFirstOrThrow()
  return {
    trigger: run.trigger,
    status: run.status,
    startedAt: num(run.started_at),
    finishedAt: run.finished_at == null ? null : num(run.finished_at),
    error: run.error,
    relations: num(sums.relations),
    created: num(sums.created),
    updated: num(sums.updated),
    lost: num(run.lost),
    errors: num(run.errors),
  }
}
