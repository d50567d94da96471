// Queue handler of broadcasts: the dispatch job that submits every batch of one broadcast.
import type { Deps } from '../../deps'
import { DISPATCH_JOB, dispatchBroadcast } from './broadcasts.service'

export function registerBroadcastWorker(deps: Deps): void {
  deps.queue.register<{ orgId: number; broadcastId: number }>(DISPATCH_JOB, async (job) => {
    await dispatchBroadcast(deps, job.payload.orgId, job.payload.broadcastId)
  })
}
