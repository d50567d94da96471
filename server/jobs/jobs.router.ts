// jobs.*: the scheduled jobs in the admin — schedule, last run, run history with progress, and "run now".
import { ConflictError, ForbiddenError, InvalidInputError } from '../lib/errors'
import { z } from 'zod'
import { pageInput } from '../../shared/schemas/common'
import { authedProcedure, router, superAdminProcedure } from '../trpc/init'
import { isJobLeaseHeld, lastJobRun, listJobRuns, toJobRunDto, type JobRunScope } from './jobs.repository'

export const jobRunsInput = pageInput.extend({ jobName: z.string().trim().min(1).max(64).optional() })
export const runJobInput = z.object({ name: z.string().trim().min(1).max(64) })

/**
 * Any admin may look, members may not. The platform operator sees every run; an org admin only runs recorded for
 * their org, never the platform-wide ones (their counters span every org).
 */
const adminProcedure = authedProcedure.use(({ ctx, next }) => {
  if (ctx.user.role === 'org_member') throw new ForbiddenError('需要管理员权限')
  if (ctx.user.role === 'super_admin') return next({ ctx: { ...ctx, runScope: { all: true } as JobRunScope } })
  if (!ctx.user.orgId) throw new ForbiddenError('需要管理员权限')
  return next({ ctx: { ...ctx, runScope: { orgId: ctx.user.orgId } as JobRunScope } })
})

export const jobsRouter = router({
  list: adminProcedure.query(async ({ ctx }) => {
    const scheduler = ctx.deps.scheduler
    const now = ctx.deps.clock.now()
    return Promise.all(
      scheduler.jobs().map(async (def) => {
        const last = await lastJobRun(ctx.deps.db, def.name, ctx.runScope)
        return {
          name: def.name,
          title: def.title,
          schedule: def.schedule,
          nextRunAt: scheduler.nextRunAt(def.name),
          lastRun: last ? toJobRunDto(last) : null,
          running: await isJobLeaseHeld(ctx.deps.db, def.name, now),
        }
      }),
    )
  }),

  runs: adminProcedure.input(jobRunsInput).query(({ ctx, input }) => listJobRuns(ctx.deps.db, input, ctx.runScope)),

  // Platform-wide work (every org's tokens, purges): only the platform operator starts it by hand.
  runNow: superAdminProcedure.input(runJobInput).mutation(async ({ ctx, input }) => {
    const scheduler = ctx.deps.scheduler
    if (!scheduler.jobs().some((j) => j.name === input.name)) {
      throw new InvalidInputError(`没有名为 ${input.name} 的任务`)
    }
    const started = await scheduler.runNow(input.name, 'manual')
    if (!started) throw new ConflictError('任务正在运行')
    return started
  }),
})
