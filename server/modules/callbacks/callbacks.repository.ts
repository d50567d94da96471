// Queries of the callback handlers: welcome-send bookkeeping, and write transactions that survive MySQL lock races.
import type { Transaction } from 'kysely'
import type { Database, DB, Executor } from '../../db/database'
import { dialectOf } from '../../db/dialect'
import type { WelcomeStatus } from './callbacks.table'

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
export async function claimWelcomeSend(db: Executor, c: WelcomeClaim, status: WelcomeStatus = 'sending', error: string | null = null): Promise<boolean> {
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

const MYSQL_LOCK_ERRNO = new Set([1205 /* lock wait timeout */, 1213 /* deadlock */])

/**
 * A short write transaction. On MySQL it runs at READ COMMITTED, so a row another worker committed meanwhile is
 * visible to the next statement (two staff adding the same customer at once) and gap locks do not pile up; a
 * deadlock victim is run again at once instead of waiting for the queue's backoff.
 */
export async function writeTransaction<T>(db: DB, fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  const mysql = dialectOf(db) === 'mysql'
  for (let attempt = 1; ; attempt++) {
    try {
      const tx = mysql ? db.transaction().setIsolationLevel('read committed') : db.transaction()
      return await tx.execute(fn)
    } catch (err) {
      const errno = (err as { errno?: number }).errno ?? 0
      if (!mysql || !MYSQL_LOCK_ERRNO.has(errno) || attempt >= 4) throw err
    }
  }
}
