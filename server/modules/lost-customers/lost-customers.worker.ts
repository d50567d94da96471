// The lost-customer queue handler: the app message telling a staff member which relations the customer sync found lost.
import type { Deps } from '../../deps'
import { PermanentJobError } from '../../queue/queue'
import { sendSyncLostNotice, SYNC_LOST_NOTICE_JOB, type SyncLostNoticePayload } from './lost-customers.service'

export function registerLostCustomerWorker(deps: Deps): void {
  deps.queue.register<SyncLostNoticePayload>(SYNC_LOST_NOTICE_JOB, async (job) => {
    if (job.orgId === null) throw new PermanentJobError('sync loss notice without an org')
    await sendSyncLostNotice(deps, job.orgId, job.payload)
  })
}
