// Queries of the callback module: stored events (insert, de-dup, processing state, held events of disabled orgs), inbound messages, welcome sends.
import type { Insertable } from 'kysely'
import type { Executor } from '../../db/database'
import { affected, upsert } from '../../db/dialect'
import { forUpdate } from '../../db/transaction'
import type { MessagesTable } from '../customers/customers.table'
import type { CallbackEventRow, CallbackEventsTable, CallbackRefusalsTable, WelcomeStatus } from './callbacks.table'

export { writeTransaction } from '../../db/transaction'

/** Inserts the events, skipping any an org has already (same dedupe key); returns how many were new. */
export async function insertEvents(db: Executor, rows: Insertable<CallbackEventsTable>[]): Promise<number> {
  const res = await db.insertInto('callback_events').values(rows).ignore().executeTakeFirst()
  return Number(res.numInsertedOrUpdatedRows ?? 0n)
}

/** The stored events with these dedupe keys in these orgs (a superset: callers match the (org, key) pairs). */
export function findEventsByDedupeKeys(db: Executor, orgIds: readonly number[], keys: readonly string[]) {
  return db
    .selectFrom('callback_events')
    .select(['id', 'org_id', 'dedupe_key', 'status'])
    .where('org_id', 'in', [...orgIds])
    .where('dedupe_key', 'in', [...keys])
    .execute()
}

/** Of these orgs, the ones that are disabled (their callbacks are stored but held). */
export async function findDisabledOrgIds(db: Executor, orgIds: readonly number[]): Promise<Set<number>> {
  const rows = await db
    .selectFrom('orgs')
    .select('id')
    .where('id', 'in', [...orgIds])
    .where('status', '!=', 'active')
    .execute()
  return new Set(rows.map((r) => r.id))
}

/** An event with its org's status, for the worker. */
export async function findEventToProcess(
  db: Executor,
  eventId: number,
): Promise<{ event: CallbackEventRow; orgActive: boolean } | undefined> {
  const row = await db
    .selectFrom('callback_events as e')
    .leftJoin('orgs as o', 'o.id', 'e.org_id')
    .selectAll('e')
    .select('o.status as org_status')
    .where('e.id', '=', eventId)
    .executeTakeFirst()
  if (!row) return undefined
  const { org_status, ...event } = row
  return { event, orgActive: org_status === 'active' }
}

export async function setEventOutcome(db: Executor, eventId: number, outcome: 'processed' | 'ignored', now: number): Promise<void> {
  await db.updateTable('callback_events').set({ status: outcome, processed_at: now, error: null }).where('id', '=', eventId).execute()
}

export async function setEventFailed(db: Executor, eventId: number, error: string): Promise<void> {
  await db
    .updateTable('callback_events')
    .set({ status: 'failed', error: error.slice(0, 2000) })
    .where('id', '=', eventId)
    .execute()
}

/**
 * Holds an unfinished event while its org is disabled, in one statement that re-reads the org, so an org re-enabled
 * meanwhile either sees the event held (and releases it) or the event stays pending. False when nothing was held.
 */
export async function holdEventWhileOrgDisabled(db: Executor, eventId: number): Promise<boolean> {
  const res = await db
    .updateTable('callback_events')
    .set({ status: 'held' })
    .where('id', '=', eventId)
    .where('status', 'in', ['pending', 'failed'])
    .where((eb) =>
      eb.exists(
        eb.selectFrom('orgs').select('orgs.id').whereRef('orgs.id', '=', 'callback_events.org_id').where('orgs.status', '!=', 'active'),
      ),
    )
    .executeTakeFirst()
  return affected(res) > 0
}

/** Marks the org's held events pending again and returns their ids; run in the transaction that enables the org. */
export async function releaseHeldEvents(trx: Executor, orgId: number): Promise<number[]> {
  return (await releaseHeldEventsBySource(trx, orgId)).map((r) => r.id)
}

/** As releaseHeldEvents, with each event's source (its job kind depends on it). */
export async function releaseHeldEventsBySource(trx: Executor, orgId: number) {
  const held = await forUpdate(
    trx,
    trx
      .selectFrom('callback_events')
      .select(['id', 'source', 'msg_type', 'event', 'change_type'])
      .where('org_id', '=', orgId)
      .where('status', '=', 'held'),
  ).execute()
  const ids = held.map((r) => r.id)
  // Chunked: a long-disabled org may have many.
  for (let i = 0; i < ids.length; i += 500) {
    await trx
      .updateTable('callback_events')
      .set({ status: 'pending' })
      .where('org_id', '=', orgId)
      .where('id', 'in', ids.slice(i, i + 500))
      .execute()
  }
  return held
}

/** Held events per org, for the operator's org list. */
export async function countHeldEvents(db: Executor, orgIds: readonly number[]): Promise<Map<number, number>> {
  if (orgIds.length === 0) return new Map()
  const rows = await db
    .selectFrom('callback_events')
    .select(['org_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('org_id', 'in', [...orgIds])
    .where('status', '=', 'held')
    .groupBy('org_id')
    .execute()
  return new Map(rows.map((r) => [r.org_id, Number(r.n)]))
}

/** One messages row per (org, MsgId): a replay is absorbed. The customer link is a subquery, so this is one statement. */
export async function insertInboundMessage(
  db: Executor,
  m: Omit<Insertable<MessagesTable>, 'customer_id'> & { customerExternalUserid: string },
): Promise<void> {
  const { customerExternalUserid, ...values } = m
  await db
    .insertInto('messages')
    .values({
      ...values,
      customer_id: db
        .selectFrom('customers')
        .select('id')
        .where('org_id', '=', m.org_id)
        .where('external_userid', '=', customerExternalUserid),
    })
    .ignore()
    .execute()
}

export interface WelcomeClaim {
  orgId: number
  callbackEventId: number
  externalUserid: string
  userid: string
  contactWayId: number | null
  now: number
}

/**
 * Writes the welcome attempt before the call. False when a row for this event exists already: an earlier run
 * claimed it (and may or may not have reached WeCom), so this run must not call send_welcome_msg again.
 */
export async function claimWelcomeSend(
  db: Executor,
  c: WelcomeClaim,
  status: WelcomeStatus = 'sending',
  error: string | null = null,
): Promise<boolean> {
  const res = await db
    .insertInto('welcome_sends')
    .values({
      org_id: c.orgId,
      callback_event_id: c.callbackEventId,
      customer_external_userid: c.externalUserid.slice(0, 64),
      userid: c.userid.slice(0, 64),
      contact_way_id: c.contactWayId,
      status,
      errcode: null,
      error,
      latency_ms: null,
      created_at: c.now,
      updated_at: c.now,
    })
    .ignore()
    .executeTakeFirst()
  return Number(res.numInsertedOrUpdatedRows ?? 0n) === 1
}

export async function finishWelcomeSend(
  db: Executor,
  callbackEventId: number,
  outcome: { status: WelcomeStatus; errcode: number | null; error: string | null; latencyMs: number; now: number },
): Promise<void> {
  await db
    .updateTable('welcome_sends')
    .set({
      status: outcome.status,
      errcode: outcome.errcode,
      error: outcome.error?.slice(0, 500) ?? null,
      latency_ms: Math.max(0, Math.round(outcome.latencyMs)),
      updated_at: outcome.now,
    })
    .where('callback_event_id', '=', callbackEventId)
    .execute()
}

/** An unfollowed fan's stored OA events keep their de-dup key but lose what they said and who said it. */
export async function redactOaEventsOf(db: Executor, orgId: number, openid: string): Promise<number> {
  return affected(
    await db
      .updateTable('callback_events')
      .set({ plaintext: '', external_userid: null })
      .where('org_id', '=', orgId)
      .where('source', '=', 'oa')
      .where('external_userid', '=', openid)
      .executeTakeFirst(),
  )
}

/** Adds refusal counts to their (org, day, source) rows, creating the rows a day's first refusal needs. */
export async function addCallbackRefusals(db: Executor, rows: readonly CallbackRefusalsTable[]): Promise<void> {
  await upsert(db, 'callback_refusals', [...rows], ['org_id', 'day', 'source'], [], ['refused'])
}
