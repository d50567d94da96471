// Queries for ingest_events; the executor is always the first argument.
import type { Insertable } from 'kysely'
import type { Executor } from '../../db/database'
import type { IngestEventRow, IngestEventsTable } from './ingest.table'

/** Rows per statement: keeps every insert under both engines' placeholder limits. */
const CHUNK = 500

/** Stores the rows whose (org, idempotency key) is new; the others are left exactly as they were. */
export async function insertIngestEventsIfAbsent(db: Executor, rows: readonly Insertable<IngestEventsTable>[]): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) {
    await db
      .insertInto('ingest_events')
      .values(rows.slice(i, i + CHUNK))
      .ignore()
      .execute()
  }
}

export type StoredIngestKey = Pick<IngestEventRow, 'id' | 'idempotency_key' | 'result' | 'request_id'>

export async function findIngestEventsByKeys(db: Executor, orgId: number, keys: readonly string[]): Promise<StoredIngestKey[]> {
  const out: StoredIngestKey[] = []
  for (let i = 0; i < keys.length; i += CHUNK) {
    out.push(
      ...(await db
        .selectFrom('ingest_events')
        .select(['id', 'idempotency_key', 'result', 'request_id'])
        .where('org_id', '=', orgId)
        .where('idempotency_key', 'in', keys.slice(i, i + CHUNK))
        .execute()),
    )
  }
  return out
}

/**
 * Deletes one org's events received before `before`, a chunk at a time through the (org_id, received_at) index, so
 * the daily purge never holds a long lock on a busy table. Returns how many went.
 */
export async function purgeIngestEventsBefore(db: Executor, orgId: number, before: number): Promise<number> {
  let purged = 0
  for (;;) {
    const ids = await db
      .selectFrom('ingest_events')
      .select('id')
      .where('org_id', '=', orgId)
      .where('received_at', '<', before)
      .limit(CHUNK)
      .execute()
    if (!ids.length) return purged
    const res = await db
      .deleteFrom('ingest_events')
      .where(
        'id',
        'in',
        ids.map((r) => r.id),
      )
      .executeTakeFirst()
    purged += Number(res.numDeletedRows)
  }
}
