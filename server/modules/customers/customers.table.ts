// Row types of customers, their follow relations with staff, CRM leads and inbound messages.
import type { Generated, Selectable } from 'kysely'

export interface CustomersTable {
  id: Generated<number>
  org_id: number
  external_userid: string
  name: Generated<string>
  avatar: string | null
  type: Generated<number>
  gender: Generated<number>
  unionid: string | null
  position: string | null
  corp_name: string | null
  corp_full_name: string | null
  channel_state: string | null
  contact_way_id: number | null
  /** 'active' while any staff relation is active, else 'lost'. */
  status: Generated<'active' | 'lost'>
  first_added_at: number | null
  created_at: number
  updated_at: number
}
export type CustomerRow = Selectable<CustomersTable>

export type FollowStatus = 'active' | 'lost' | 'deleted'

export interface CustomerFollowsTable {
  id: Generated<number>
  org_id: number
  customer_id: number
  userid: string
  remark: Generated<string>
  description: Generated<string>
  /** JSON string[] */
  remark_mobiles: string
  add_way: Generated<number>
  state: Generated<string>
  oper_userid: Generated<string>
  contact_way_id: number | null
  /** ms */
  createtime: number
  status: FollowStatus
  lost_at: number | null
  /** 'sync' when a complete pass no longer saw the relation; null when a callback ended it. */
  lost_by: string | null
  deleted_at: number | null
  updated_at: number
}
export type CustomerFollowRow = Selectable<CustomerFollowsTable>

export interface CrmLeadsTable {
  id: Generated<number>
  org_id: number
  customer_id: number
  source: string
  channel_state: string | null
  contact_way_id: number | null
  owner_userid: string | null
  status: 'new' | 'contacted' | 'converted' | 'closed'
  created_at: number
  updated_at: number
}

export interface MessagesTable {
  id: Generated<number>
  org_id: number
  customer_id: number | null
  from_id: string
  to_id: string
  msg_type: string
  content: string
  msg_id: string
  create_time: number
  created_at: number
}

export interface CustomerSyncSettingsTable {
  org_id: number
  enabled: Generated<number>
  /** Hour of day, Beijing time, of the scheduled run. */
  hour: Generated<number>
  /** unix s: contact ways created before this have been listed and imported. */
  ways_listed_until: Generated<number>
  updated_at: number
}

export type CustomerSyncStatus = 'running' | 'succeeded' | 'failed'

export interface CustomerSyncRunsTable {
  id: Generated<number>
  org_id: number
  job_run_id: number | null
  trigger: 'scheduled' | 'manual'
  status: CustomerSyncStatus
  /** JSON string[]: the pass's follow users, fixed so a resumed pass walks the same chunks. */
  userids: string
  chunks: number
  /** Members per batch/get_by_user call: chunk k is userids[k·n, (k+1)·n). */
  users_per_call: number
  /** Relations the previous complete pass saw: the progress bar's total. */
  relations_estimate: Generated<number>
  lost: Generated<number>
  errors: Generated<number>
  /** How many times a later run took this pass over after its runner died. */
  resumed: Generated<number>
  error: string | null
  started_at: number
  heartbeat_at: number
  finished_at: number | null
}
export type CustomerSyncRunRow = Selectable<CustomerSyncRunsTable>

export interface CustomerSyncChunksTable {
  run_id: number
  chunk: number
  /** next_cursor to continue from; null before the first page. */
  cursor: string | null
  done: Generated<number>
  pages: Generated<number>
  relations: Generated<number>
  created: Generated<number>
  updated: Generated<number>
  unchanged: Generated<number>
}
export type CustomerSyncChunkRow = Selectable<CustomerSyncChunksTable>

export interface CustomerSyncSeenTable {
  id: Generated<number>
  run_id: number
  /** JSON number[] of customer_follows ids one page listed. */
  follow_ids: string
}
