// The queue job every accepted ingest event becomes: its kind and payload, shared by the ingest side and the notification handler.
import type { IngestEvent } from '../../../shared/ingest-events'

export const NOTIFY_EVENT_JOB = 'notify.event'

export interface NotifyEventPayload {
  orgId: number
  /** ingest_events.id */
  eventId: number
  event: IngestEvent
}

/** One job per stored event, even if an enqueue were ever repeated. */
export const notifyEventDedupeKey = (eventId: number) => `${NOTIFY_EVENT_JOB}:${eventId}`
