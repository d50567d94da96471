// The notification queue handlers: ingest events through the scene rules, template/SMS sends, announcement fan-out.
import type { Deps } from '../../deps'
import { handleDeliverBatchJob, handleDeliverJob } from './deliver'
import { routeIntentCall } from './intent'
import { NOTIFY_DELIVER_BATCH_JOB, NOTIFY_DELIVER_JOB } from './notifications.service'
import { handleAnnounceJob, NOTIFY_ANNOUNCE_JOB } from './records.service'
import {
  handleNotifyEvent,
  handleNotifyEvents,
  NOTIFY_EVENT_JOB,
  NOTIFY_EVENTS_JOB,
  type IntentRouter,
  type NotifyEventPayload,
  type NotifyEventsPayload,
} from './scene-rules'

export function registerNotificationWorkers(deps: Deps, intentRouter: IntentRouter = routeIntentCall): void {
  deps.queue.register<NotifyEventPayload>(NOTIFY_EVENT_JOB, (job) => handleNotifyEvent(deps, job.payload, intentRouter))
  deps.queue.register<NotifyEventsPayload>(NOTIFY_EVENTS_JOB, (job) => handleNotifyEvents(deps, job.payload, intentRouter))
  deps.queue.register<{ deliveryIds: number[] }>(NOTIFY_DELIVER_BATCH_JOB, (job) => handleDeliverBatchJob(deps, job))
  deps.queue.register<{ deliveryId: number }>(NOTIFY_DELIVER_JOB, (job) => handleDeliverJob(deps, job))
  deps.queue.register<{ announcementId: number; orgId: number }>(NOTIFY_ANNOUNCE_JOB, (job) => handleAnnounceJob(deps, job.payload))
}
