// Daily housekeeping: drops finished queue jobs after a week, job-run history after a month, login attempts past their window, SMS codes after a day, ingest events after 90 days.
import { purgeExpiredLoginAttempts } from '../modules/auth/login-limits'
import { purgeJobRuns } from './jobs.repository'
import { purgeCodesBefore } from '../modules/h5-binding/h5-binding.repository'
import { purgeOldIngestEvents } from '../modules/ingest/ingest-retention'
import { defineJob } from './scheduler'

const DAY_MS = 24 * 3600_000
export const QUEUE_DONE_RETENTION_MS = 7 * DAY_MS
export const JOB_RUN_RETENTION_MS = 30 * DAY_MS

export const purgeQueueJob = defineJob({
  name: 'purge-queue',
  title: '清理已完成的后台任务',
  schedule: '30 3 * * *',
  async run({ deps, progress }) {
    // Dead jobs stay: they are what an admin still has to look at.
    const queueJobs = await deps.queue.purgeDone(QUEUE_DONE_RETENTION_MS)
    await progress(1, 3)
    const jobRuns = await purgeJobRuns(deps.db, deps.clock.now() - JOB_RUN_RETENTION_MS)
    await progress(2, 3)
    // Every login attempt is a row (refusals too), so a hammered login would otherwise grow the table without end.
    const loginAttempts = await purgeExpiredLoginAttempts(deps)
    // Codes (mobile + openid) are needed only for the hour the send limits look back on.
    const smsCodes = await purgeCodesBefore(deps.db, deps.clock.now() - DAY_MS)
    // Each event the calling system posts is a row kept for its idempotency key; past the retention it only takes space.
    const ingestEvents = await purgeOldIngestEvents(deps)
    await progress(3, 3)
    return { queueJobs, jobRuns, loginAttempts, smsCodes, ingestEvents }
  },
})
