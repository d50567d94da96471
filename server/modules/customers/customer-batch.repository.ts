// Queries of 批量打标签 / 批量移除标签: the run, its per-relation items, and the relations a selection covers.
import { sql } from 'kysely'
import type { Executor } from '../../db/database'
import { insertedId, num } from '../../db/dialect'
import { chunks } from '../tags/tags.repository'
import type { TagBatchAction, TagBatchItemStatus } from './customer-batch.table'

/** The selected customers of the org that exist, with their active relations (userid null for a customer without one). */
export async function findCustomersWithActiveFollows(db: Executor, orgId: number, customerIds: readonly number[]) {
  const out: { id: number; external_userid: string; userid: string | null }[] = []
  for (const part of chunks([...new Set(customerIds)])) {
    out.push(
      ...(await db
        .selectFrom('customers as c')
        .leftJoin('customer_follows as f', (j) => j.onRef('f.customer_id', '=', 'c.id').on('f.status', '=', 'active'))
        .select(['c.id', 'c.external_userid', 'f.userid'])
        .where('c.org_id', '=', orgId)
        .where('c.id', 'in', part)
        .orderBy('c.id')
        .orderBy('f.userid')
        .execute()),
    )
  }
  return out
}

export async function insertTagBatch(
  db: Executor,
  row: { org_id: number; action: TagBatchAction; tag_refs: string; customers: number; created_by: number | null; created_at: number },
): Promise<number> {
  return insertedId(await db.insertInto('customer_tag_batches').values(row).executeTakeFirstOrThrow())
}

export async function insertTagBatchItems(
  db: Executor,
  rows: readonly {
    batch_id: number
    org_id: number
    customer_id: number
    userid: string
    status: TagBatchItemStatus
    error: string | null
    updated_at: number
  }[],
): Promise<void> {
  for (let i = 0; i < rows.length; i += 500)
    await db
      .insertInto('customer_tag_batch_items')
      .values(rows.slice(i, i + 500))
      .execute()
}

/** Pending item ids of a batch (their jobs are enqueued in the same transaction). */
export async function findPendingItemIds(db: Executor, batchId: number): Promise<number[]> {
  const rows = await db
    .selectFrom('customer_tag_batch_items')
    .select('id')
    .where('batch_id', '=', batchId)
    .where('status', '=', 'pending')
    .execute()
  return rows.map((r) => r.id)
}

export function findTagBatch(db: Executor, orgId: number, batchId: number) {
  return db.selectFrom('customer_tag_batches').selectAll().where('org_id', '=', orgId).where('id', '=', batchId).executeTakeFirst()
}

/** One item with what its job needs: the batch's action and tags, the customer's external id. */
export function findTagBatchItem(db: Executor, orgId: number, itemId: number) {
  return db
    .selectFrom('customer_tag_batch_items as i')
    .innerJoin('customer_tag_batches as b', 'b.id', 'i.batch_id')
    .innerJoin('customers as c', 'c.id', 'i.customer_id')
    .select(['i.id', 'i.batch_id', 'i.customer_id', 'i.userid', 'i.status', 'b.action', 'b.tag_refs', 'b.created_by', 'c.external_userid'])
    .where('i.org_id', '=', orgId)
    .where('i.id', '=', itemId)
    .executeTakeFirst()
}

/** pending → done/failed once: a replayed job finds the item settled and changes nothing. True when this call settled it. */
export async function settleTagBatchItem(
  db: Executor,
  orgId: number,
  itemId: number,
  status: 'done' | 'failed',
  error: string | null,
  now: number,
): Promise<boolean> {
  const res = await db
    .updateTable('customer_tag_batch_items')
    .set({ status, error, updated_at: now })
    .where('org_id', '=', orgId)
    .where('id', '=', itemId)
    .where('status', '=', 'pending')
    .executeTakeFirst()
  return Number(res.numUpdatedRows) === 1
}

export async function countTagBatchItems(db: Executor, batchId: number): Promise<Record<TagBatchItemStatus, number>> {
  const rows = await db
    .selectFrom('customer_tag_batch_items')
    .select(['status', sql<number>`count(*)`.as('n')])
    .where('batch_id', '=', batchId)
    .groupBy('status')
    .execute()
  const out = { pending: 0, done: 0, failed: 0 }
  for (const r of rows) out[r.status] = num(r.n)
  return out
}

/** Failed items with the customer's name, for the progress dialog. */
export function findFailedTagBatchItems(db: Executor, batchId: number, limit: number) {
  return db
    .selectFrom('customer_tag_batch_items as i')
    .innerJoin('customers as c', 'c.id', 'i.customer_id')
    .leftJoin('wecom_staff as s', (j) => j.onRef('s.org_id', '=', 'i.org_id').onRef('s.userid', '=', 'i.userid'))
    .select(['i.customer_id', 'c.name', 'i.userid', 's.name as staff_name', 'i.error'])
    .where('i.batch_id', '=', batchId)
    .where('i.status', '=', 'failed')
    .orderBy('i.id')
    .limit(limit)
    .execute()
}
