// The notification queue handlers: ingest events through the scene rules, template/SMS sends, announcement fan-out.
import type { Deps } from '../../deps'
import { handleDeliverJob } from './deliver'
import { routeIntentCall } from './intent'
import { NOTIFY_DELIVER_JOB } from './notifications.service'
import { handleAnnounceJob, NOTIFY_ANNOUNCE_JOB } from './records.service'
import { handleNotifyEvent, NOTIFY_EVENT_JOB, type IntentRouter, type NotifyEventPayload } from './scene-rules'

export function registerNotificationWorkers(deps: Deps, intentRouter: IntentRouter = routeIntentCall): void {
  deps.queue.register<NotifyEventPayload>(NOTIFY_EVENT_JOB, (job) => handleNotifyEvent(deps, job.payload, intentRouter))
  deps.queue.register<{ deliveryId: number }>(NOTIFY_DELIVER_JOB, (job) => handleDeliverJob(deps, job))
  deps.queue.register<{ announcementId: number; orgId: number }>(NOTIFY_ANNOUNCE_JOB, (job) => handleAnnounceJob(deps, job.payload))
}
