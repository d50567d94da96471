// Row type of ingest_events: every event the calling system posted and we accepted, once per (org, idempotency key).
import type { Generated, Selectable } from 'kysely'

export interface IngestEventsTable {
  id: Generated<number>
  org_id: number
  api_key_id: number | null
  idempotency_key: string
  type: string
  /** The validated event as JSON. */
  payload: string
  received_at: number
  /** The first answer given for this key (JSON), repeated to every replay. */
  result: string
  /** The request that stored it (tells a row this request inserted from one that was there already). */
  request_id: string
}
export type IngestEventRow = Selectable<IngestEventsTable>
