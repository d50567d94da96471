// Cron scheduler: node-cron ticks, one run per tick across instances (job_runs unique tick), a lease against overlap, recorded runs.
import { randomBytes } from 'node:crypto'
import cron, { type Logger as CronLogger, type ScheduledTask } from 'node-cron'
import type { Deps } from '../deps'
import { releaseLease, renewLease, tryAcquireLease } from '../db/lease'
import type { Clock } from '../lib/clock'
import type { Logger } from '../lib/logger'
import { describeError } from '../queue/queue'
import type { JobScheduler, JobTrigger } from './job-scheduler'
import { failOrphanedRuns, finishJobRun, insertJobRun, jobLeaseName, setJobRunProgress } from './jobs.repository'

export interface JobRunContext {
  deps: Deps
  runId: number
  trigger: JobTrigger
  /** Records progress for the admin's progress bar; DB writes are throttled, the last values are always stored. */
  progress(done: number, total: number): Promise<void>
  log: Logger
  /** Aborted on timeout, on a lost lease, never otherwise: long loops should check it. */
  signal: AbortSignal
}

export interface JobDefinition {
  /** Stable id: job_runs.job_name and the lease `job:<name>`. */
  name: string
  /** Label shown in the admin (Chinese). */
  title: string
  /** Cron expression, 5 fields or 6 with seconds, in the scheduler's timezone. */
  schedule: string
  timeoutMs?: number
  /** Returned counters are stored as the run's summary. */
  run(ctx: JobRunContext): Promise<Record<string, number> | void>
}

export type RunOutcome = { runId: number; status: 'succeeded' | 'failed' | 'skipped' }

/** Checks a job definition when its module loads, so a bad cron expression fails at start-up rather than silently never running. */
export function defineJob(def: JobDefinition): JobDefinition {
  if (!/^[a-z0-9][a-z0-9-]{0,59}$/.test(def.name)) throw new Error(`job name "${def.name}" must be kebab-case, at most 60 characters`)
  if (!cron.validate(def.schedule)) throw new Error(`job "${def.name}": invalid cron expression "${def.schedule}"`)
  return Object.freeze({ ...def })
}

export class UnknownJobError extends Error {
  constructor(name: string) {
    super(`unknown job "${name}"`)
    this.name = 'UnknownJobError'
  }
}

export interface SchedulerOptions {
  deps: Deps
  jobs: JobDefinition[]
  instanceId: string
  clock?: Clock
  /** Timezone of the cron expressions; the clinics keep Beijing time. */
  timezone?: string
  /** Lease lifetime; renewed every third of it while a run lasts, so a crashed instance frees the job within one TTL. */
  leaseTtlMs?: number
}

const PROGRESS_MIN_INTERVAL_MS = 500

interface StartedRun {
  runId: number
  finished: Promise<RunOutcome>
}

export type { JobTrigger } from './job-scheduler'

export class Scheduler implements JobScheduler {
  readonly instanceId: string
  readonly timezone: string
  private readonly deps: Deps
  private readonly clock: Clock
  private readonly log: Logger
  private readonly leaseTtlMs: number
  private readonly defs = new Map<string, JobDefinition>()
  private readonly tasks = new Map<string, ScheduledTask>()
  /** Runs started by this instance and not yet recorded as finished. */
  private readonly active = new Set<Promise<unknown>>()

  constructor(opts: SchedulerOptions) {
    this.deps = opts.deps
    this.clock = opts.clock ?? opts.deps.clock
    this.log = opts.deps.log.child({ component: 'scheduler' })
    this.instanceId = opts.instanceId.slice(0, 48)
    this.timezone = opts.timezone ?? 'Asia/Shanghai'
    // Short, renewed every third of it: a dead instance's job is free again within seconds, not minutes.
    this.leaseTtlMs = opts.leaseTtlMs ?? 30_000
    for (const def of opts.jobs) {
      if (this.defs.has(def.name)) throw new Error(`job "${def.name}" is defined twice`)
      this.defs.set(def.name, def)
    }
  }

  jobs(): JobDefinition[] {
    return [...this.defs.values()]
  }

  get started(): boolean {
    return this.tasks.size > 0
  }

  start(): void {
    if (this.started) return
    const logger = cronLogger(this.log)
    for (const def of this.defs.values()) {
      // ctx.date is the slot the tick belongs to (whole second), identical on every instance: the exactly-once key.
      const task = cron.schedule(def.schedule, (ctx) => this.tick(def.name, ctx.date.getTime()), {
        name: `job:${def.name}`,
        timezone: this.timezone,
        noOverlap: true,
        logger,
      })
      this.tasks.set(def.name, task)
    }
    this.log.info({ jobs: [...this.defs.keys()], instanceId: this.instanceId }, 'scheduler started')
  }

  /** No new ticks; resolves when every run this instance started has been recorded. */
  async stop(): Promise<void> {
    const tasks = [...this.tasks.values()]
    this.tasks.clear()
    await Promise.all(tasks.map((t) => t.destroy()))
    await this.idle()
  }

  /** Resolves when the runs in progress on this instance have finished (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.active.size > 0) await Promise.allSettled([...this.active])
  }

  /** Next scheduled time (epoch ms) of a job, whether or not this instance's timers are running. */
  nextRunAt(name: string): number | null {
    const def = this.defs.get(name)
    if (!def) return null
    const live = this.tasks.get(name)?.getNextRun()
    if (live) return live.getTime()
    // A stopped task only to evaluate the expression; destroyed at once so it leaves node-cron's registry.
    const probe = cron.createTask(def.schedule, () => {}, { timezone: this.timezone })
    try {
      return probe.getNextRuns(1)[0]?.getTime() ?? null
    } finally {
      void probe.destroy()
    }
  }

  /**
   * What a cron tick does: record the tick (only the instance whose insert creates the row runs it), take the job's
   * lease (held by an earlier, still running run → recorded as skipped), run, record the outcome.
   * Null when another instance owns this tick. Never throws: a failing job must not take the process down.
   */
  async tick(name: string, scheduledAt: number): Promise<RunOutcome | null> {
    const def = this.defs.get(name)
    if (!def) {
      this.log.error({ job: name }, 'tick for an unknown job')
      return null
    }
    try {
      const started = await this.begin(def, 'scheduled', tickKeyOf(scheduledAt), 'tick')
      return started ? await started.finished : null
    } catch (err) {
      this.log.error({ err, job: name }, 'scheduler tick failed')
      return null
    }
  }

  /**
   * Starts a run now and returns without waiting for it. Null when a run of this job holds the lease (on any instance).
   * Throws UnknownJobError for a name that is not defined.
   */
  async runNow(name: string, trigger: JobTrigger = 'manual'): Promise<{ runId: number } | null> {
    const def = this.defs.get(name)
    if (!def) throw new UnknownJobError(name)
    const started = await this.begin(def, trigger, `manual:${this.clock.now()}:${randomBytes(4).toString('hex')}`, 'now')
    return started ? { runId: started.runId } : null
  }

  /**
   * Claims the run. Scheduled ticks record the row first (the unique (job_name, tick_key) decides which instance owns
   * the tick) and then try the lease, so a tick that finds the job busy is still visible as skipped. Manual runs take
   * the lease first: a click while the job is busy is refused rather than recorded.
   */
  private async begin(def: JobDefinition, trigger: JobTrigger, tickKey: string, mode: 'tick' | 'now'): Promise<StartedRun | null> {
    const db = this.deps.db
    const lease = jobLeaseName(def.name)
    // Unique per run: tryAcquireLease lets the same owner re-enter, which must not let two runs of one instance overlap.
    const owner = `${this.instanceId}:${randomBytes(4).toString('hex')}`
    const row = { jobName: def.name, tickKey, trigger, instance: this.instanceId, startedAt: this.clock.now() }
    let runId: number

    if (mode === 'tick') {
      const id = await insertJobRun(db, row, true)
      if (id === null) return null
      runId = id
      if (!(await tryAcquireLease(db, lease, owner, this.leaseTtlMs, this.clock.now()))) {
        await finishJobRun(db, runId, { status: 'skipped', finishedAt: this.clock.now(), error: '上一次运行尚未结束' })
        this.log.info({ job: def.name, runId }, 'tick skipped: the previous run still holds the lease')
        return { runId, finished: Promise.resolve({ runId, status: 'skipped' }) }
      }
    } else {
      if (!(await tryAcquireLease(db, lease, owner, this.leaseTtlMs, this.clock.now()))) return null
      try {
        runId = (await insertJobRun(db, row, false))!
      } catch (err) {
        await releaseLease(db, lease, owner, this.clock.now()).catch(() => {})
        throw err
      }
    }

    const now = this.clock.now()
    await failOrphanedRuns(db, def.name, runId, now, now - this.leaseTtlMs)
    const finished = this.execute(def, runId, trigger, owner)
    this.active.add(finished)
    void finished.finally(() => this.active.delete(finished))
    return { runId, finished }
  }

  /** Runs the job body and records how it ended; resolves (never rejects) once the lease is released. */
  private async execute(def: JobDefinition, runId: number, trigger: JobTrigger, owner: string): Promise<RunOutcome> {
    const db = this.deps.db
    const lease = jobLeaseName(def.name)
    const log = this.log.child({ job: def.name, runId })
    const abort = new AbortController()
    let timedOut = false
    const timeout = def.timeoutMs
      ? setTimeout(() => {
          timedOut = true
          abort.abort(new Error(`job ${def.name} timed out after ${def.timeoutMs} ms`))
        }, def.timeoutMs)
      : null
    const renew = setInterval(
      () => {
        renewLease(db, lease, owner, this.leaseTtlMs, this.clock.now())
          .then((held) => {
            if (!held && !abort.signal.aborted) {
              log.warn('job lease lost; aborting the run')
              abort.abort(new Error('lease lost'))
            }
          })
          .catch((err) => log.error({ err }, 'renewing the job lease failed'))
      },
      Math.max(1000, Math.floor(this.leaseTtlMs / 3)),
    )
    const progress = new ProgressRecorder(db, runId, log)

    let outcome: RunOutcome['status']
    let summary: string | null = null
    let error: string | null = null
    try {
      const result = await def.run({
        deps: this.deps,
        runId,
        trigger,
        progress: (d, t) => progress.report(d, t),
        log,
        signal: abort.signal,
      })
      outcome = 'succeeded'
      summary = result ? JSON.stringify(result) : null
    } catch (err) {
      outcome = 'failed'
      error = timedOut ? `超时（${def.timeoutMs} ms）\n${describeError(err)}` : describeError(err)
      log.error({ err }, 'job run failed')
    } finally {
      if (timeout) clearTimeout(timeout)
      clearInterval(renew)
    }

    try {
      await finishJobRun(db, runId, { status: outcome, finishedAt: this.clock.now(), summary, error, progress: await progress.final() })
    } catch (err) {
      log.error({ err }, 'recording the job run failed')
    }
    // If this fails the lease simply expires after its TTL.
    await releaseLease(db, lease, owner, this.clock.now()).catch((err) => log.error({ err }, 'releasing the job lease failed'))
    return { runId, status: outcome }
  }
}

/** "2026-11-21T01:00:00Z": the scheduled slot truncated to the second, the same string on every instance. */
export function tickKeyOf(scheduledAt: number): string {
  return new Date(Math.floor(scheduledAt / 1000) * 1000).toISOString().replace('.000Z', 'Z')
}

/** Throttles progress writes to the run row (wall-clock rate limit), keeping the latest values for the final write. */
class ProgressRecorder {
  private latest: { done: number; total: number } | null = null
  private lastWriteAt = Number.NEGATIVE_INFINITY
  private writing: Promise<void> | null = null

  constructor(
    private readonly db: Deps['db'],
    private readonly runId: number,
    private readonly log: Logger,
  ) {}

  report(done: number, total: number): Promise<void> {
    this.latest = { done: Math.max(0, Math.floor(done)), total: Math.max(0, Math.floor(total)) }
    const t = performance.now()
    if (this.writing || t - this.lastWriteAt < PROGRESS_MIN_INTERVAL_MS) return Promise.resolve()
    this.lastWriteAt = t
    const { done: d, total: n } = this.latest
    this.writing = setJobRunProgress(this.db, this.runId, d, n)
      .catch((err) => this.log.warn({ err }, 'writing job progress failed'))
      .finally(() => {
        this.writing = null
      })
    return this.writing
  }

  async final(): Promise<{ done: number; total: number } | null> {
    await this.writing
    return this.latest
  }
}

/** node-cron's own messages (overlap, missed ticks) go to our log instead of the console. */
function cronLogger(log: Logger): CronLogger {
  const c = log.child({ component: 'node-cron' })
  return {
    info: (m) => c.info(m),
    warn: (m) => c.warn(m),
    error: (m, err) => (m instanceof Error ? c.error({ err: m }, m.message) : c.error({ err }, m)),
    debug: (m, err) => (m instanceof Error ? c.debug({ err: m }, m.message) : c.debug({ err }, m)),
  }
}
