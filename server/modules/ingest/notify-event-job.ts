// The queue jobs accepted ingest events become: their kinds and payloads, shared by the ingest side and the notification handler.
import type { IngestEvent } from '../../../shared/ingest-events'

/** One event per job: the format before batching, still handled (jobs queued by an older version, tests). */
export const NOTIFY_EVENT_JOB = 'notify.event'
/** Up to NOTIFY_EVENTS_PER_JOB events of one org per job: the rules run once per batch, not once per event. */
export const NOTIFY_EVENTS_JOB = 'notify.events'
export const NOTIFY_EVENTS_PER_JOB = 100

export interface NotifyEventPayload {
  orgId: number
  /** ingest_events.id */
  eventId: number
  event: IngestEvent
}

/** Several stored events of one org, in ingest_events.id order. */
export interface NotifyEventsPayload {
  orgId: number
  events: { eventId: number; event: IngestEvent }[]
}

/** One job per stored event, even if an enqueue were ever repeated. */
export const notifyEventDedupeKey = (eventId: number) => `${NOTIFY_EVENT_JOB}:${eventId}`
/** An event is stored by one request and put in one batch, so the batch's first event id names it. */
export const notifyEventsDedupeKey = (firstEventId: number) => `${NOTIFY_EVENTS_JOB}:${firstEventId}`
