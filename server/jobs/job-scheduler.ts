// What the rest of the server asks of the scheduler (deps.scheduler), kept apart from Scheduler so Deps need not import it.

export type JobTrigger = 'scheduled' | 'manual'

/** A scheduled job as the admin sees it. */
export interface ScheduledJobInfo {
  name: string
  title: string
  schedule: string
  timeoutMs?: number
}

export interface JobScheduler {
  jobs(): readonly ScheduledJobInfo[]
  /** Whether this instance's cron ticks are running. */
  readonly started: boolean
  /** Starts the cron ticks (only where SCHEDULER is on). */
  start(): void
  stop(): Promise<void>
  /** Resolves when no run of this instance is in progress. */
  idle(): Promise<void>
  nextRunAt(name: string): number | null
  /** Runs a job now unless a run of it is in progress anywhere (null then). */
  runNow(name: string, trigger?: JobTrigger): Promise<{ runId: number } | null>
}
