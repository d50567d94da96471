// Row types of 批量打标签 / 批量移除标签 runs and their per-relation items.
import type { Generated } from 'kysely'

export type TagBatchAction = 'add' | 'remove'
export type TagBatchItemStatus = 'pending' | 'done' | 'failed'

export interface CustomerTagBatchesTable {
  id: Generated<number>
  org_id: number
  action: TagBatchAction
  /** JSON array of local tag ids. */
  tag_refs: string
  /** Customers selected (relations are the items). */
  customers: number
  /** The admin user who started the run: the timeline names them on each relation's tag change. */
  created_by: number | null
  created_at: number
}

export interface CustomerTagBatchItemsTable {
  id: Generated<number>
  batch_id: number
  org_id: number
  customer_id: number
  /** The staff member whose relation carries WeCom tags; '' for the CRM-only item of a customer. */
  userid: string
  status: TagBatchItemStatus
  error: string | null
  updated_at: number
}
