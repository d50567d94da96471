// Every scheduled job, in one list: adding a job is one import and one entry.
import { notifyDailyJob } from './notify-daily'
import { lostDigestJob } from './lost-digest'
import { broadcastRulesJob, pollBroadcastResultsJob, startScheduledBroadcastsJob } from './broadcasts'
import { purgeQueueJob } from './purge-queue'
import { refreshTokensJob } from './refresh-tokens'
import { syncCustomersJob } from './sync-customers'
import type { JobDefinition } from './scheduler'

export function allJobs(): JobDefinition[] {
  return [
    purgeQueueJob,
    refreshTokensJob,
    syncCustomersJob,
    notifyDailyJob,
    startScheduledBroadcastsJob,
    pollBroadcastResultsJob,
    broadcastRulesJob,
    lostDigestJob,
  ]
}
