// Queries on queue_jobs: the queue's enqueue, claim and settle statements, and the admin side's listing and lookup.
import type { Insertable } from 'kysely'
import type { DB, Executor } from '../db/database'
import { affected, insertedId, num } from '../db/dialect'
import { fetchPage } from '../db/paginate'
import { forUpdateSkipLocked } from '../db/transaction'
import type { QueueJob, QueueJobsTable, QueueStatus } from './queue.table'

export interface QueueJobFilter {
  page: number
  pageSize: number
  status?: QueueStatus
  kind?: string
}

export interface QueueJobDto {
  id: number
  kind: string
  status: QueueStatus
  attempts: number
  maxAttempts: number
  lastError: string | null
  runAfter: number
  createdAt: number
  updatedAt: number
  finishedAt: number | null
}

export function toQueueJobDto(r: QueueJob): QueueJobDto {
  return {
    id: r.id,
    kind: r.kind,
    status: r.status,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    lastError: r.last_error,
    runAfter: Number(r.run_after),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    finishedAt: r.finished_at == null ? null : Number(r.finished_at),
  }
}

export async function listQueueJobs(db: Executor, orgId: number, f: QueueJobFilter): Promise<{ items: QueueJobDto[]; total: number }> {
  let q = db.selectFrom('queue_jobs').where('org_id', '=', orgId)
  if (f.status) q = q.where('status', '=', f.status)
  if (f.kind) q = q.where('kind', '=', f.kind)
  const { rows, total } = await fetchPage(q, f, (p) => p.selectAll().orderBy('id', 'desc'))
  return { items: rows.map(toQueueJobDto), total }
}

export async function findQueueJob(db: Executor, orgId: number, id: number): Promise<QueueJob | undefined> {
  return db.selectFrom('queue_jobs').selectAll().where('id', '=', id).where('org_id', '=', orgId).executeTakeFirst()
}

// ---------------------------------------------------------------- the queue's own statements

export type NewQueueJob = Insertable<QueueJobsTable> & { dedupe_key: string | null }

/**
 * Inserts one job. With a dedupe key a duplicate is ignored and the existing job's id returned when it is visible
 * (null otherwise). IGNORE only with a dedupe key: on MySQL it would also turn other errors (e.g. truncation) into warnings.
 */
export async function insertQueueJob(exec: Executor, row: NewQueueJob): Promise<{ id: number | null; created: boolean }> {
  const insert = exec.insertInto('queue_jobs').values(row)
  const res = row.dedupe_key !== null ? await insert.ignore().executeTakeFirst() : await insert.executeTakeFirstOrThrow()
  // Both drivers report 0 rows for an ignored duplicate; SQLite's insertId is then stale, so never read it.
  if (Number(res.numInsertedOrUpdatedRows ?? 0n) === 0) {
    const existing = await exec.selectFrom('queue_jobs').select('id').where('dedupe_key', '=', row.dedupe_key!).executeTakeFirst()
    return { id: existing?.id ?? null, created: false }
  }
  return { id: insertedId(res), created: true }
}

/** Inserts jobs with one statement per kind of insert (as insertQueueJob: IGNORE only for rows with a dedupe key); returns how many were added. */
export async function insertQueueJobs(exec: Executor, rows: readonly NewQueueJob[]): Promise<number> {
  const keyed = rows.filter((r) => r.dedupe_key !== null)
  const plain = rows.filter((r) => r.dedupe_key === null)
  let added = 0
  if (keyed.length > 0)
    added += Number((await exec.insertInto('queue_jobs').values(keyed).ignore().executeTakeFirst()).numInsertedOrUpdatedRows ?? 0n)
  if (plain.length > 0)
    added += Number((await exec.insertInto('queue_jobs').values(plain).executeTakeFirstOrThrow()).numInsertedOrUpdatedRows ?? 0n)
  return added
}

/** Jobs per status, of one org when `orgId` is given. */
export async function countQueueJobsByStatus(db: Executor, orgId?: number): Promise<Record<QueueStatus, number>> {
  let q = db
    .selectFrom('queue_jobs')
    .select((eb) => ['status', eb.fn.countAll().as('n')])
    .groupBy('status')
  if (orgId !== undefined) q = q.where('org_id', '=', orgId)
  const out: Record<QueueStatus, number> = { pending: 0, running: 0, done: 0, dead: 0 }
  for (const row of await q.execute()) out[row.status] = num(row.n)
  return out
}

/**
 * Puts dead or pending jobs back to run now with a fresh attempt budget (last_error is kept for the record): the one
 * job `jobId`, or every dead job when it is null. `orgId`: undefined = any job; null = only platform jobs; a number =
 * only that org's jobs. Returns how many.
 */
export async function requeueJobs(db: Executor, target: { jobId: number | null; orgId?: number | null }, now: number): Promise<number> {
  let q = db
    .updateTable('queue_jobs')
    .set({ status: 'pending', attempts: 0, run_after: now, locked_by: null, locked_until: null, finished_at: null, updated_at: now })
    .where('status', 'in', ['dead', 'pending'])
  q = target.jobId === null ? q.where('status', '=', 'dead') : q.where('id', '=', target.jobId)
  if (target.orgId !== undefined) q = target.orgId === null ? q.where('org_id', 'is', null) : q.where('org_id', '=', target.orgId)
  return affected(await q.executeTakeFirst())
}

/** Deletes done jobs that finished before `before`. Returns how many. */
export async function deleteDoneJobs(db: Executor, before: number): Promise<number> {
  return affected(await db.deleteFrom('queue_jobs').where('status', '=', 'done').where('finished_at', '<', before).executeTakeFirst())
}

export interface ClaimRequest {
  /** Jobs of any kind. */
  limit: number
  /** Jobs of these kinds only, claimed first and returned apart (the queue's fast lane). */
  fast?: { kinds: readonly string[]; limit: number }
  now: number
  instanceId: string
  lockTtlMs: number
  /** Also take over a crashed instance's jobs (still 'running' after their lock ran out). */
  includeExpired: boolean
}

/**
 * Marks up to `limit` runnable jobs as running for `instanceId` and returns them (attempts already counted). Run it in
 * a write transaction: on MySQL SKIP LOCKED lets several instances claim disjoint rows at once; SQLite has one writer,
 * so the transaction alone makes select-then-update atomic.
 */
export async function claimQueueJobs(trx: Executor, r: ClaimRequest): Promise<{ fast: QueueJob[]; general: QueueJob[] }> {
  const { now, limit } = r
  const fast: QueueJob[] = []
  if (r.fast && r.fast.limit > 0 && r.fast.kinds.length > 0) {
    // (kind, status, run_after) index: a backlog of other kinds is never read.
    const kinds = r.fast.kinds
    fast.push(
      ...(await forUpdateSkipLocked(
        trx,
        trx
          .selectFrom('queue_jobs')
          .selectAll()
          .where((eb) => (kinds.length === 1 ? eb('kind', '=', kinds[0]) : eb('kind', 'in', kinds)))
          .where('status', '=', 'pending')
          .where('run_after', '<=', now)
          .orderBy('run_after')
          .orderBy('id')
          .limit(r.fast.limit),
      ).execute()),
    )
  }
  const candidates: QueueJob[] = []
  if (r.includeExpired && limit > 0) {
    const expired = await forUpdateSkipLocked(
      trx,
      trx
        .selectFrom('queue_jobs')
        .selectAll()
        .where('status', '=', 'running')
        .where('locked_until', '<', now)
        .orderBy('run_after')
        .orderBy('id')
        .limit(limit),
    ).execute()
    // A job that already used its last attempt when its worker vanished is not run again.
    const exhausted = expired.filter((j) => j.attempts >= j.max_attempts).map((j) => j.id)
    if (exhausted.length > 0) {
      await trx
        .updateTable('queue_jobs')
        .set({
          status: 'dead',
          last_error: 'worker lost (lock expired) during the last allowed attempt',
          locked_by: null,
          locked_until: null,
          finished_at: now,
          updated_at: now,
        })
        .where('id', 'in', exhausted)
        .execute()
    }
    candidates.push(...expired.filter((j) => j.attempts < j.max_attempts))
  }

  if (candidates.length < limit) {
    // (status, run_after) index read in order: only the rows returned get locked.
    let pending = trx
      .selectFrom('queue_jobs')
      .selectAll()
      .where('status', '=', 'pending')
      .where('run_after', '<=', now)
      .orderBy('run_after')
      .orderBy('id')
      .limit(limit - candidates.length)
    if (fast.length > 0)
      pending = pending.where(
        'id',
        'not in',
        fast.map((j) => j.id),
      )
    candidates.push(...(await forUpdateSkipLocked(trx, pending).execute()))
  }
  const fastIds = new Set(fast.map((j) => j.id))
  candidates.push(...fast)
  if (candidates.length === 0) return { fast: [], general: [] }
  const split = (jobs: QueueJob[]) => ({ fast: jobs.filter((j) => fastIds.has(j.id)), general: jobs.filter((j) => !fastIds.has(j.id)) })

  const lock = { locked_by: r.instanceId, locked_until: now + r.lockTtlMs, updated_at: now }
  const ids = candidates.map((j) => j.id)
  const res = await trx
    .updateTable('queue_jobs')
    .set((eb) => ({ status: 'running', attempts: eb('attempts', '+', 1), ...lock }))
    .where('id', 'in', ids)
    // Re-states the claim condition, so the update is safe even without row locks.
    .where((eb) =>
      eb.or([
        eb.and([eb('status', '=', 'pending'), eb('run_after', '<=', now)]),
        eb.and([eb('status', '=', 'running'), eb('locked_until', '<', now)]),
      ]),
    )
    .executeTakeFirst()
  // Rows were locked (MySQL) or the transaction is the only writer (SQLite), so every candidate is ours and its new
  // state is known without reading it back; the read-back is only a safety net.
  if (affected(res) === candidates.length) {
    return split(candidates.map((j) => ({ ...j, status: 'running' as const, attempts: j.attempts + 1, ...lock })))
  }
  return split(
    await trx
      .selectFrom('queue_jobs')
      .selectAll()
      .where('id', 'in', ids)
      .where('status', '=', 'running')
      .where('locked_by', '=', r.instanceId)
      .where('locked_until', '=', lock.locked_until)
      .execute(),
  )
}

export interface JobOutcome {
  status: 'done' | 'dead' | 'pending'
  error?: string
  runAfter?: number
  /** Gives the claim's attempt back (a rate-limit pause is not a failure of the job). */
  refundAttempt?: boolean
  now: number
}

/**
 * Writes a run's outcome, but only while this claim still owns the row: if the lock expired and another worker took
 * the job over (attempts moved on), its bookkeeping wins. False when the row was taken over.
 */
export async function settleQueueJob(db: DB, job: Pick<QueueJob, 'id' | 'attempts'>, instanceId: string, o: JobOutcome): Promise<boolean> {
  const res = await db
    .updateTable('queue_jobs')
    .set({
      status: o.status,
      locked_by: null,
      locked_until: null,
      updated_at: o.now,
      ...(o.error !== undefined ? { last_error: o.error } : {}),
      ...(o.runAfter !== undefined ? { run_after: o.runAfter } : {}),
      ...(o.refundAttempt ? { attempts: job.attempts - 1 } : {}),
      ...(o.status === 'pending' ? {} : { finished_at: o.now }),
    })
    .where('id', '=', job.id)
    .where('status', '=', 'running')
    .where('locked_by', '=', instanceId)
    .where('attempts', '=', job.attempts)
    .executeTakeFirst()
  return affected(res) > 0
}

/**
 * Marks several finished jobs done in one statement, each only while this instance's claim still owns it (same rule as
 * settleQueueJob). Returns how many rows it changed.
 */
export async function settleDoneJobs(
  db: DB,
  jobs: readonly Pick<QueueJob, 'id' | 'attempts'>[],
  instanceId: string,
  now: number,
): Promise<number> {
  if (jobs.length === 0) return 0
  const res = await db
    .updateTable('queue_jobs')
    .set({ status: 'done', locked_by: null, locked_until: null, updated_at: now, finished_at: now })
    .where('status', '=', 'running')
    .where('locked_by', '=', instanceId)
    .where((eb) => eb.or(jobs.map((j) => eb.and([eb('id', '=', j.id), eb('attempts', '=', j.attempts)]))))
    .executeTakeFirst()
  return affected(res)
}

/** Extends the locks this instance holds on running jobs. */
export async function renewQueueLocks(db: DB, ids: readonly number[], instanceId: string, lockedUntil: number, now: number): Promise<void> {
  await db
    .updateTable('queue_jobs')
    .set({ locked_until: lockedUntil, updated_at: now })
    .where('id', 'in', ids)
    .where('status', '=', 'running')
    .where('locked_by', '=', instanceId)
    .execute()
}
