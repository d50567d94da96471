// Row types of broadcasts (群发), their add_msg_template batches, resolved targets and the per-org receive limit.
import type { Generated, Selectable } from 'kysely'
import type { BroadcastStatus, ReceiveLimitPeriod, TargetStatus } from '../../../shared/schemas/broadcast'

export interface BroadcastsTable {
  id: Generated<number>
  org_id: number
  title: string
  text: string | null
  /** JSON WelcomeAttachment[] */
  attachments: string
  /** JSON BroadcastTargets */
  targets: string
  status: BroadcastStatus
  scheduled_at: number | null
  started_at: number | null
  /** Set in the transaction that wrote every batch and target row: resolution happens once. */
  resolved_at: number | null
  submitted_at: number | null
  canceled_at: number | null
  target_count: Generated<number>
  /** Matched customers nobody on the staff follows any more. */
  skipped_count: Generated<number>
  poll_until: number | null
  polled_at: number | null
  /** JSON number[]: when reminders were sent (WeCom allows 3 per 24 h). */
  remind_times: string
  error: string | null
  created_by: number | null
  created_at: number
  updated_at: number
}
export type BroadcastRow = Selectable<BroadcastsTable>

/**
 * pending → calling (row committed before add_msg_template) → submitted | failed. A row found 'calling' is
 * reconciled against get_groupmsg_list_v2 before anything is sent again.
 */
export type BatchStatus = 'pending' | 'calling' | 'submitted' | 'failed'

export interface BroadcastBatchesTable {
  id: Generated<number>
  org_id: number
  broadcast_id: number
  sender: string
  seq: number
  status: BatchStatus
  target_count: number
  fail_count: Generated<number>
  msgid: string | null
  called_at: number | null
  submitted_at: number | null
  /** 1 when the msgid was recovered from the platform's list after an interrupted call. */
  reconciled: Generated<number>
  /** get_groupmsg_task status of the sender: 0 not sent, 2 sent. */
  task_status: Generated<number>
  confirmed_at: number | null
  /** When the final per-customer results were read (after the sender confirmed); none are read again. */
  results_at: number | null
  error: string | null
  created_at: number
  updated_at: number
}
export type BroadcastBatchRow = Selectable<BroadcastBatchesTable>

export interface BroadcastTargetsTable {
  id: Generated<number>
  org_id: number
  broadcast_id: number
  batch_id: number
  customer_id: number
  external_userid: string
  sender: string
  status: TargetStatus
  send_time: number | null
  updated_at: number
}

export interface BroadcastMediaTable {
  id: Generated<number>
  org_id: number
  filename: string
  data_base64: string
  media_id: string | null
  /** When media_id was issued (ms); it lives 3 days from then. */
  uploaded_at: number | null
  created_at: number
}

export interface BroadcastLinksTable {
  id: Generated<number>
  org_id: number
  broadcast_id: number
  batch_id: number
  /** Index of the link among the broadcast's attachments. */
  position: number
  token: string
  url: string
  clicks: Generated<number>
  created_at: number
}

/** One row per (link, visitor): unique clickers. The visitor is a hash of address and browser, never stored in clear. */
export interface BroadcastLinkVisitorsTable {
  id: Generated<number>
  link_id: number
  visitor: string
  created_at: number
}

export interface BroadcastSettingsTable {
  org_id: number
  receive_limit: ReceiveLimitPeriod
  updated_at: number
}
