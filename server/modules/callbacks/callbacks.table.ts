// Row types of stored platform callback events and the welcome-message attempts they cause.
import type { Generated, Selectable } from 'kysely'

/** 'held': stored while its org was disabled; queued again when the org is enabled. */
export type CallbackStatus = 'pending' | 'held' | 'processed' | 'ignored' | 'failed'

export interface CallbackEventsTable {
  id: Generated<number>
  org_id: number
  source: 'wecom' | 'oa'
  dedupe_key: string
  msg_type: string
  event: string
  change_type: string
  userid: string | null
  external_userid: string | null
  plaintext: string
  /** CreateTime of the event, ms */
  create_time: number
  received_at: number
  status: CallbackStatus
  processed_at: number | null
  error: string | null
}
export type CallbackEventRow = Selectable<CallbackEventsTable>

export type WelcomeStatus = 'sending' | 'sent' | 'expired' | 'already_used' | 'failed' | 'skipped'

export interface WelcomeSendsTable {
  id: Generated<number>
  org_id: number
  callback_event_id: number
  customer_external_userid: string
  userid: string
  contact_way_id: number | null
  status: WelcomeStatus
  errcode: number | null
  error: string | null
  latency_ms: number | null
  created_at: number
  updated_at: number
}

/** Callbacks refused for an org (its URL, but not its platform's signature or encryption), counted per Beijing day. */
export interface CallbackRefusalsTable {
  org_id: number
  /** The Beijing day's first millisecond. */
  day: number
  source: 'wecom' | 'oa'
  refused: number
}
