// queue.*: the org's background jobs in the admin — counts, the list with errors, and retrying dead ones.
import { z } from 'zod'
import { QUEUE_STATUSES } from '../../shared/enums'
import { idInput, pageInput } from '../../shared/schemas/common'
import { InvalidInputError, notFound } from '../lib/errors'
import { orgAdminProcedure, router } from '../trpc/init'
import { findQueueJob, listQueueJobs } from './queue.repository'

export const queueListInput = pageInput.extend({
  status: z.enum(QUEUE_STATUSES).optional(),
  kind: z.string().trim().min(1).max(64).optional(),
})

export const queueRouter = router({
  stats: orgAdminProcedure.query(({ ctx }) => ctx.deps.queue.stats(ctx.orgId)),

  list: orgAdminProcedure.input(queueListInput).query(({ ctx, input }) => listQueueJobs(ctx.deps.db, ctx.orgId, input)),

  retry: orgAdminProcedure.input(idInput).mutation(async ({ ctx, input }) => {
    const job = await findQueueJob(ctx.deps.db, ctx.orgId, input.id)
    if (!job) notFound('任务', input.id)
    // The update repeats the org and status conditions, so a job that started running meanwhile is refused too.
    const ok = (job.status === 'dead' || job.status === 'pending') && (await ctx.deps.queue.retry(input.id, ctx.orgId))
    if (!ok) throw new InvalidInputError('只有失败或等待中的任务可以重试')
    return { ok: true as const }
  }),

  retryAllDead: orgAdminProcedure.mutation(async ({ ctx }) => ({ count: await ctx.deps.queue.retryDead(ctx.orgId) })),
})
