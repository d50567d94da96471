// Durable job queue on the queue_jobs table: transactional enqueue, atomic claim, retries with backoff, dead rows.
import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import type { DB, Executor } from '../db/database'
import { toJson } from '../db/dialect'
import { writeTransaction } from '../db/transaction'
import { backoffMs } from '../lib/backoff'
import type { Clock } from '../lib/clock'
import type { Logger } from '../lib/logger'
import type { QueueJob, QueueStatus } from './queue.table'
import { DomainError } from '../lib/errors'
import { isCallerError, PlatformError } from '../platform/errors'
import { withoutRateWaits } from '../platform/call-context'
import {
  claimQueueJobs,
  countQueueJobsByStatus,
  deleteDoneJobs,
  insertQueueJob,
  insertQueueJobs,
  renewQueueLocks,
  requeueJobs,
  settleDoneJobs,
  settleQueueJob,
  type NewQueueJob,
} from './queue.repository'

export interface QueueJobInfo<P = unknown> {
  id: number
  orgId: number | null
  kind: string
  payload: P
  /** 1 on the first run: counts this run. */
  attempts: number
}

export type QueueHandler<P = unknown> = (job: QueueJobInfo<P>) => Promise<void>

export interface RegisterOptions {
  /**
   * 'fast': the kind also has slots of its own (QueueOptions.fastSlots) that no other kind can take, claimed first, so
   * work that must start within seconds (a welcome whose code lives 20 s) never waits behind slow jobs.
   */
  lane?: 'fast'
}

export interface EnqueueOptions {
  orgId?: number | null
  /** A second enqueue with the same key is a no-op, even after the first job finished. */
  dedupeKey?: string
  /** Epoch ms; default now. */
  runAfter?: number
  maxAttempts?: number
}

export interface QueueOptions {
  db: DB
  clock: Clock
  log: Logger
  instanceId?: string
  concurrency?: number
  pollIntervalMs?: number
  /** Slots reserved for the kinds registered in the fast lane, on top of `concurrency` (default: as many as `concurrency`). */
  fastSlots?: number
  /** Lock lease of a claimed job (default 30 s), renewed every third of it while the handler runs. */
  lockTtlMs?: number
  backoff?: BackoffPolicy
}

export interface BackoffPolicy {
  baseMs: number
  maxMs: number
}

export type QueueStats = Record<QueueStatus, number>

/** Thrown by a handler when retrying cannot help (bad payload, a record that no longer exists): the job goes dead at once. */
export class PermanentJobError extends Error {
  override name = 'PermanentJobError'
}

/**
 * The queue's one retry-or-give-up rule: a domain refusal (missing record, bad input, no config) or a request the
 * platform refused as such cannot succeed later; everything else (timeouts, -1, rate limits, our own bugs) is retried.
 */
export function isPermanent(err: unknown): boolean {
  if (err instanceof PermanentJobError) return true
  if (err instanceof DomainError) return err.permanent
  if (err instanceof PlatformError) return isCallerError(err)
  return false
}

export const DEFAULT_MAX_ATTEMPTS = 8
const MAX_ERROR_CHARS = 4000
const STACK_LINES = 6
/** Re-checks after an enqueue: the caller's transaction may commit a little after it called enqueue. */
const WAKE_DELAYS_MS = [0, 20, 100]
/** How long a freed slot waits for others before they are refilled together (well under a welcome's 20 s). */
const REFILL_DELAY_MS = 5
/** Jobs that finish within this window are marked done by one statement (the job keeps its slot until it is written). */
const SETTLE_BATCH_MS = 10

/**
 * Delay before the next attempt: base · 2^(attempts-1), capped at max, with "equal jitter"
 * (between half and all of it) so that a burst of failures does not retry in lock step.
 */
export function backoffDelay(attempts: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  return backoffMs(attempts - 1, { ...policy, jitter: 'equal' }, random)
}

/** "Name: message" plus the top of the stack, bounded so a huge error never bloats a row. */
export function describeError(err: unknown): string {
  const text =
    err instanceof Error ? (err.stack ?? `${err.name}: ${err.message}`).split('\n').slice(0, STACK_LINES).join('\n') : String(err)
  return text.length > MAX_ERROR_CHARS ? `${text.slice(0, MAX_ERROR_CHARS)}…` : text
}

export function defaultInstanceId(): string {
  return `${hostname().slice(0, 40)}:${process.pid}:${randomBytes(3).toString('hex')}`
}

export class Queue {
  readonly instanceId: string
  private readonly db: DB
  private readonly clock: Clock
  private readonly log: Logger
  private readonly concurrency: number
  private readonly pollIntervalMs: number
  private readonly lockTtlMs: number
  private readonly backoff: BackoffPolicy
  private readonly handlers = new Map<string, QueueHandler<unknown>>()
  private readonly fastSlots: number
  /** Kinds registered in the fast lane. */
  private readonly fastKinds: string[] = []
  /** Jobs being handled by this instance, by id; their locks are renewed while they run. */
  private readonly inFlight = new Map<number, Promise<void>>()
  /** The part of inFlight that occupies fast-lane slots. */
  private readonly fastInFlight = new Set<number>()
  private started = false
  /** Whether a lane may have runnable jobs; cleared by a claim that came back short, set by every wake-up. */
  private fastMaybe = true
  private generalMaybe = true
  /** The fast lane's last claim filled every free fast slot: more fast work is probably waiting. */
  private fastBacklog = false
  /** Counts wake-ups, so a claim that raced one does not clear the flags above. */
  private wakeSeq = 0
  private stopping = false
  private pumping: Promise<void> | null = null
  private pumpAgain = false
  private pollTimer: NodeJS.Timeout | null = null
  private refillTimer: NodeJS.Timeout | null = null
  private heartbeatTimer: NodeJS.Timeout | null = null
  private readonly wakeTimers = new Map<number, NodeJS.Timeout>()
  private readonly expiredCheckIntervalMs: number
  private lastExpiredCheck = Number.NEGATIVE_INFINITY
  /** Finished jobs waiting for the next batched 'done' write, and that write's promise. */
  private doneBatch: { jobs: QueueJob[]; written: Promise<void> } | null = null

  constructor(opts: QueueOptions) {
    this.db = opts.db
    this.clock = opts.clock
    this.log = opts.log.child({ component: 'queue' })
    // locked_by is varchar(64).
    this.instanceId = (opts.instanceId ?? defaultInstanceId()).slice(0, 64)
    this.concurrency = Math.max(1, opts.concurrency ?? 4)
    // As many as the general slots by default: fast-lane work is short and mostly waits on the network, and a burst of
    // 200 welcomes/s at a few hundred ms per call needs tens of them in flight.
    this.fastSlots = Math.max(1, opts.fastSlots ?? this.concurrency)
    this.pollIntervalMs = opts.pollIntervalMs ?? 1000
    // Short and renewed by the heartbeat (every third of it): a dead instance's jobs are taken back within one TTL.
    this.lockTtlMs = opts.lockTtlMs ?? 30_000
    this.expiredCheckIntervalMs = Math.min(10_000, Math.floor(this.lockTtlMs / 4))
    this.backoff = opts.backoff ?? { baseMs: 2000, maxMs: 15 * 60_000 }
  }

  register<P>(kind: string, handler: QueueHandler<P>, opts: RegisterOptions = {}): void {
    if (this.handlers.has(kind)) throw new Error(`queue handler for "${kind}" is already registered`)
    this.handlers.set(kind, handler as unknown as QueueHandler<unknown>)
    if (opts.lane === 'fast') this.fastKinds.push(kind)
  }

  /**
   * Adds a job. Pass the caller's transaction as `exec` so the job exists only if the state change that caused it commits.
   * `id` is the new job's id, or on a dedupe hit the existing job's id when it is visible (null otherwise).
   */
  async enqueue(
    exec: Executor,
    kind: string,
    payload: unknown,
    opts: EnqueueOptions = {},
  ): Promise<{ id: number | null; created: boolean }> {
    const res = await insertQueueJob(exec, jobRow(kind, payload, opts, this.clock.now()))
    if (res.created) this.notify()
    return res
  }

  /**
   * Adds several jobs with one statement per kind of insert (callers that batch work, e.g. the callback route's group
   * commit). Same rules as enqueue: pass the caller's transaction; a job whose dedupe key exists already is skipped.
   * Returns how many jobs were added.
   */
  async enqueueMany(
    exec: Executor,
    jobs: readonly { kind: string; payload: unknown; opts?: EnqueueOptions }[],
    /** The caller calls wake() once its transaction has committed: no re-checks on the chance that it has not yet. */
    { wakeAfterCommit = false }: { wakeAfterCommit?: boolean } = {},
  ): Promise<number> {
    if (jobs.length === 0) return 0
    const now = this.clock.now()
    const added = await insertQueueJobs(
      exec,
      jobs.map(({ kind, payload, opts = {} }) => jobRow(kind, payload, opts, now)),
    )
    if (added > 0 && !wakeAfterCommit) this.notify()
    return added
  }

  /** Looks for work once, now: for a caller whose enqueuing transaction has committed (so the jobs are visible). */
  wake(): void {
    this.wakeUp()
  }

  start(): void {
    if (this.started) return
    this.started = true
    this.stopping = false
    this.heartbeatTimer = setInterval(() => void this.renewLocks(), Math.max(1000, Math.floor(this.lockTtlMs / 3)))
    this.heartbeatTimer.unref()
    this.wakeUp()
  }

  /** Stops claiming; resolves once every handler already running has finished. */
  async stop(): Promise<void> {
    if (!this.started) {
      await Promise.allSettled(this.inFlight.values())
      return
    }
    this.stopping = true
    this.started = false
    if (this.pollTimer) clearTimeout(this.pollTimer)
    this.pollTimer = null
    if (this.refillTimer) clearTimeout(this.refillTimer)
    this.refillTimer = null
    for (const t of this.wakeTimers.values()) clearTimeout(t)
    this.wakeTimers.clear()
    await this.pumping
    // Locks keep being renewed until the last handler returns.
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight.values()])
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer)
    this.heartbeatTimer = null
    this.stopping = false
  }

  /** Looks for work now and again shortly after (the enqueuing transaction may not have committed yet). No-op unless started. */
  notify(): void {
    if (!this.started || this.stopping) return
    for (const delay of WAKE_DELAYS_MS) {
      if (this.wakeTimers.has(delay)) continue
      const t = setTimeout(() => {
        this.wakeTimers.delete(delay)
        this.wakeUp()
      }, delay)
      t.unref()
      this.wakeTimers.set(delay, t)
    }
  }

  /**
   * Tests and scripts: handles everything runnable now (including jobs that handlers enqueue) without the timer loop.
   * Jobs waiting for a backoff later than now are left alone. Returns how many jobs were handled.
   */
  async runUntilIdle(opts: { maxJobs?: number } = {}): Promise<number> {
    const maxJobs = opts.maxJobs ?? Number.POSITIVE_INFINITY
    let count = 0
    while (count < maxJobs) {
      const { general: jobs } = await this.claim(Math.min(this.concurrency, maxJobs - count), 0)
      if (jobs.length === 0) break
      await Promise.all(jobs.map((job) => this.track(job)))
      count += jobs.length
    }
    return count
  }

  stats(orgId?: number): Promise<QueueStats> {
    return countQueueJobsByStatus(this.db, orgId)
  }

  /**
   * Puts a dead or pending job back to run now with a fresh attempt budget (last_error is kept for the record).
   * `orgId`: undefined = any job; null = only platform jobs; a number = only that org's jobs. False if nothing matched.
   */
  async retry(jobId: number, orgId?: number | null): Promise<boolean> {
    const n = await requeueJobs(this.db, { jobId, orgId }, this.clock.now())
    if (n > 0) this.notify()
    return n > 0
  }

  /** Retries every dead job (of one org when `orgId` is given, as in `retry`). Returns how many. */
  async retryDead(orgId?: number | null): Promise<number> {
    const n = await requeueJobs(this.db, { jobId: null, orgId }, this.clock.now())
    if (n > 0) this.notify()
    return n
  }

  /** Deletes done jobs that finished more than `olderThanMs` ago. Returns how many. */
  purgeDone(olderThanMs: number): Promise<number> {
    return deleteDoneJobs(this.db, this.clock.now() - olderThanMs)
  }

  /** Something may be runnable (an enqueue, a commit, the poll timer): both lanes are worth a claim again. */
  private wakeUp(): void {
    this.wakeSeq++
    this.fastMaybe = true
    this.generalMaybe = true
    this.pump()
  }

  /**
   * A finished job's slot is refilled a moment later, not at once: under a backlog, jobs finishing close together then
   * share one claim (one transaction for several slots) instead of one claim each.
   */
  private refillSoon(): void {
    if (this.refillTimer || !this.started || this.stopping) return
    this.refillTimer = setTimeout(() => {
      this.refillTimer = null
      this.pump()
    }, REFILL_DELAY_MS)
    this.refillTimer.unref()
  }

  /** One claiming pass at a time; a request arriving meanwhile makes it go round once more. */
  private pump(): void {
    if (!this.started || this.stopping) return
    if (this.pumping) {
      this.pumpAgain = true
      return
    }
    this.pumping = this.fill()
      .catch((err) => this.log.error({ err }, 'queue claim failed'))
      .finally(() => {
        this.pumping = null
        this.armPoll()
        if (this.pumpAgain) {
          this.pumpAgain = false
          this.pump()
        }
      })
  }

  /**
   * Claims until every slot is busy or nothing is runnable; finishing handlers call pump() to refill. Both lanes are
   * claimed in one transaction: the fast lane's kinds first, into their own slots, then any kind into the general ones.
   */
  private async fill(): Promise<void> {
    while (this.started && !this.stopping) {
      this.pumpAgain = false
      const fastFree = this.fastKinds.length > 0 ? this.fastSlots - this.fastInFlight.size : 0
      // While fast-lane work queues up (its last claim came back full), the general lane runs on a quarter of its slots:
      // jobs share one event loop and one database, and the welcomes' code is what expires. Not none: a fast lane full of
      // hung calls must not stop everything else.
      const generalSlots = this.fastBacklog ? Math.ceil(this.concurrency / 4) : this.concurrency
      const free = generalSlots - (this.inFlight.size - this.fastInFlight.size)
      // A lane whose last claim came back short has nothing runnable until the next wake-up: a finishing job then
      // claims nothing, so the claim runs about as often as work arrives instead of once per finished job.
      const fastWanted = fastFree > 0 && this.fastMaybe ? fastFree : 0
      const wanted = free > 0 && this.generalMaybe ? free : 0
      if (fastWanted === 0 && wanted === 0) return
      const seq = this.wakeSeq
      const { fast, general } = await this.claim(wanted, fastWanted)
      for (const job of fast) void this.track(job, true).finally(() => this.refillSoon())
      for (const job of general) void this.track(job).finally(() => this.refillSoon())
      if (fastWanted > 0) this.fastBacklog = fast.length === fastWanted
      // A wake-up during the claim may stand for jobs the claim did not see.
      if (seq === this.wakeSeq) {
        if (fast.length < fastWanted) this.fastMaybe = false
        if (general.length < wanted) this.generalMaybe = false
      }
      // Another round only when a lane came back full: there may be more.
      if (!(fastWanted > 0 && fast.length === fastWanted) && !(wanted > 0 && general.length === wanted)) return
    }
  }

  private armPoll(): void {
    if (this.pollTimer) clearTimeout(this.pollTimer)
    this.pollTimer = null
    if (!this.started || this.stopping) return
    this.pollTimer = setTimeout(() => {
      this.pollTimer = null
      this.wakeUp()
    }, this.pollIntervalMs)
    this.pollTimer.unref()
  }

  private track(job: QueueJob, fast = false): Promise<void> {
    const p = this.process(job)
      .catch((err) =>
        this.log.error({ err, jobId: job.id, kind: job.kind }, 'queue job bookkeeping failed; the lock will expire and it will be retried'),
      )
      .finally(() => {
        this.inFlight.delete(job.id)
        this.fastInFlight.delete(job.id)
      })
    this.inFlight.set(job.id, p)
    if (fast) this.fastInFlight.add(job.id)
    return p
  }

  /**
   * Marks up to `limit` runnable jobs as running for this instance and returns them (attempts already counted).
   * MySQL: SKIP LOCKED lets several instances claim disjoint rows at once; READ COMMITTED avoids gap locks, which
   * otherwise deadlock two claimers moving index entries into the same 'running' range. SQLite has one writer, so
   * the transaction alone makes select-then-update atomic.
   */
  private async claim(limit: number, fastLimit: number): Promise<{ fast: QueueJob[]; general: QueueJob[] }> {
    if (limit <= 0 && fastLimit <= 0) return { fast: [], general: [] }
    return writeTransaction(
      this.db,
      (trx) => {
        const now = this.clock.now()
        // A crashed instance's jobs are looked for first so they are not starved, but not on every claim: a lock only
        // expires after lockTtlMs, so looking a few times per TTL is enough.
        const includeExpired = limit > 0 && now - this.lastExpiredCheck >= this.expiredCheckIntervalMs
        if (includeExpired) this.lastExpiredCheck = now
        return claimQueueJobs(trx, {
          limit,
          fast: fastLimit > 0 ? { kinds: this.fastKinds, limit: fastLimit } : undefined,
          now,
          instanceId: this.instanceId,
          lockTtlMs: this.lockTtlMs,
          includeExpired,
        })
      },
      { attempts: 5, onRetry: (err, attempt) => this.log.debug({ err, attempt }, 'claim lost a lock race; retrying') },
    )
  }

  private async process(job: QueueJob): Promise<void> {
    const handler = this.handlers.get(job.kind)
    if (!handler) {
      this.log.error({ jobId: job.id, kind: job.kind }, 'no handler registered for job kind')
      await this.settle(job, 'dead', `no handler registered for job kind "${job.kind}"`)
      return
    }
    let payload: unknown
    try {
      payload = JSON.parse(job.payload)
    } catch {
      await this.settle(job, 'dead', 'payload is not valid JSON')
      return
    }
    try {
      // A rate-limited platform call surfaces here instead of sleeping in the handler while it holds a slot.
      await withoutRateWaits(() => handler({ id: job.id, orgId: job.org_id, kind: job.kind, payload, attempts: job.attempts }))
    } catch (err) {
      if (err instanceof PlatformError && err.retryAfterMs !== undefined) {
        this.log.info({ jobId: job.id, kind: job.kind, delay: err.retryAfterMs }, 'queue job rate-limited; rescheduled')
        const owned = await settleQueueJob(this.db, job, this.instanceId, {
          status: 'pending',
          error: describeError(err),
          runAfter: this.clock.now() + err.retryAfterMs,
          refundAttempt: true,
          now: this.clock.now(),
        })
        if (!owned) this.log.warn({ jobId: job.id, kind: job.kind }, 'queue job was taken over before it finished here')
        return
      }
      const permanent = isPermanent(err)
      const error = describeError(err)
      if (permanent || job.attempts >= job.max_attempts) {
        this.log.warn({ err, jobId: job.id, kind: job.kind, attempts: job.attempts }, 'queue job is dead')
        await this.settle(job, 'dead', error)
      } else {
        const delay = backoffDelay(job.attempts, this.backoff)
        this.log.info({ err, jobId: job.id, kind: job.kind, attempts: job.attempts, delay }, 'queue job failed; will retry')
        await this.settle(job, 'pending', error, this.clock.now() + delay)
      }
      return
    }
    await this.settleDone(job)
  }

  /** Marks the job done together with the others that finish within SETTLE_BATCH_MS: one UPDATE instead of one each. */
  private settleDone(job: QueueJob): Promise<void> {
    if (this.doneBatch) {
      this.doneBatch.jobs.push(job)
      return this.doneBatch.written
    }
    const jobs = [job]
    // Not unref'd: a script awaiting runUntilIdle must not exit before its jobs are marked done.
    const written = new Promise<void>((resolve, reject) => {
      setTimeout(() => {
        this.doneBatch = null
        settleDoneJobs(this.db, jobs, this.instanceId, this.clock.now()).then((n) => {
          if (n < jobs.length)
            this.log.warn({ jobIds: jobs.map((j) => j.id), settled: n }, 'some queue jobs were taken over before they finished here')
          resolve()
        }, reject)
      }, SETTLE_BATCH_MS)
    })
    this.doneBatch = { jobs, written }
    return written
  }

  /**
   * Writes the outcome, but only while this claim still owns the row: if the lock expired and another worker took the
   * job over (attempts moved on), its bookkeeping wins.
   */
  private async settle(job: QueueJob, status: 'done' | 'dead' | 'pending', error: string | undefined, runAfter?: number): Promise<void> {
    const owned = await settleQueueJob(this.db, job, this.instanceId, { status, error, runAfter, now: this.clock.now() })
    if (!owned) this.log.warn({ jobId: job.id, kind: job.kind, status }, 'queue job was taken over before it finished here')
  }

  /** Keeps the locks of long-running handlers alive, so nobody mistakes them for a crashed worker's jobs. */
  private async renewLocks(): Promise<void> {
    const ids = [...this.inFlight.keys()]
    if (ids.length === 0) return
    const now = this.clock.now()
    try {
      await renewQueueLocks(this.db, ids, this.instanceId, now + this.lockTtlMs, now)
    } catch (err) {
      this.log.error({ err }, 'renewing queue locks failed')
    }
  }
}

/** A new pending job row, with the same checks for enqueue and enqueueMany. */
function jobRow(kind: string, payload: unknown, opts: EnqueueOptions, now: number): NewQueueJob {
  if (!kind || kind.length > 64) throw new Error(`invalid job kind "${kind}"`)
  if (opts.dedupeKey !== undefined && (opts.dedupeKey.length === 0 || opts.dedupeKey.length > 191)) {
    throw new Error('dedupeKey must be 1..191 characters')
  }
  const maxAttempts = opts.maxAttempts ?? DEFAULT_MAX_ATTEMPTS
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new Error('maxAttempts must be a positive integer')
  return {
    org_id: opts.orgId ?? null,
    kind,
    payload: toJson(payload),
    dedupe_key: opts.dedupeKey ?? null,
    status: 'pending' as const,
    attempts: 0,
    max_attempts: maxAttempts,
    run_after: opts.runAfter ?? now,
    locked_by: null,
    locked_until: null,
    last_error: null,
    created_at: now,
    updated_at: now,
    finished_at: null,
  }
}
