// Queries on job_runs and the job leases: recording runs and reading them back for the admin.
import type { SelectQueryBuilder } from 'kysely'
import type { Database, Executor } from '../db/database'
import { fetchPage } from '../db/paginate'
import { fromJson } from '../db/dialect'
import type { JobRun, JobRunStatus } from './jobs.table'

export interface JobRunDto {
  id: number
  jobName: string
  orgId: number | null
  trigger: 'scheduled' | 'manual'
  status: JobRunStatus
  progressDone: number
  progressTotal: number
  summary: Record<string, number> | null
  error: string | null
  startedAt: number
  finishedAt: number | null
  instance: string
}

export function toJobRunDto(r: JobRun): JobRunDto {
  return {
    id: r.id,
    jobName: r.job_name,
    orgId: r.org_id == null ? null : Number(r.org_id),
    trigger: r.trigger,
    status: r.status,
    progressDone: Number(r.progress_done),
    progressTotal: Number(r.progress_total),
    summary: fromJson<Record<string, number> | null>(r.summary, null),
    error: r.error,
    startedAt: Number(r.started_at),
    finishedAt: r.finished_at == null ? null : Number(r.finished_at),
    instance: r.instance,
  }
}

/**
 * Whose runs a reader may see: the platform operator every run, an org admin only runs recorded for their org —
 * platform-wide runs carry counters across all orgs (orgs synced, relations, purged rows).
 */
export type JobRunScope = { all: true } | { orgId: number }

function scoped<O>(q: SelectQueryBuilder<Database, 'job_runs', O>, scope: JobRunScope): SelectQueryBuilder<Database, 'job_runs', O> {
  return 'orgId' in scope ? q.where('org_id', '=', scope.orgId) : q
}

/** The lease name a job's runs hold. */
export const jobLeaseName = (jobName: string): string => `job:${jobName}`

/**
 * Inserts the run row for (job, tick). With `ignoreDuplicate`, a tick another instance already recorded yields null:
 * that is how exactly one instance wins each tick. Both drivers report 0 inserted rows for an ignored duplicate.
 */
export async function insertJobRun(
  db: Executor,
  row: { jobName: string; tickKey: string; trigger: 'scheduled' | 'manual'; instance: string; startedAt: number; orgId?: number | null },
  ignoreDuplicate: boolean,
): Promise<number | null> {
  const q = db.insertInto('job_runs').values({
    job_name: row.jobName,
    org_id: row.orgId ?? null,
    tick_key: row.tickKey,
    trigger: row.trigger,
    status: 'running',
    instance: row.instance,
    summary: null,
    error: null,
    started_at: row.startedAt,
    finished_at: null,
  })
  const res = ignoreDuplicate ? await q.ignore().executeTakeFirst() : await q.executeTakeFirstOrThrow()
  if (Number(res.numInsertedOrUpdatedRows ?? 0n) === 0) return null
  return Number(res.insertId)
}

export async function finishJobRun(
  db: Executor,
  id: number,
  patch: {
    status: Exclude<JobRunStatus, 'running'>
    finishedAt: number
    summary?: string | null
    error?: string | null
    progress?: { done: number; total: number } | null
  },
): Promise<void> {
  await db
    .updateTable('job_runs')
    .set({
      status: patch.status,
      finished_at: patch.finishedAt,
      summary: patch.summary ?? null,
      error: patch.error ?? null,
      ...(patch.progress ? { progress_done: patch.progress.done, progress_total: patch.progress.total } : {}),
    })
    .where('id', '=', id)
    .execute()
}

export async function setJobRunProgress(db: Executor, id: number, done: number, total: number): Promise<void> {
  await db
    .updateTable('job_runs')
    .set({ progress_done: done, progress_total: total })
    .where('id', '=', id)
    .where('status', '=', 'running')
    .execute()
}

/**
 * Called by the holder of a job's lease: another 'running' row of that job that started before `startedBefore`
 * (now − the lease TTL) belongs to an instance that died mid-run — a live run would still hold the lease, and a fresh row
 * is only a tick between its insert and its lease attempt. Such rows are closed as failed instead of running forever.
 */
export async function failOrphanedRuns(db: Executor, jobName: string, exceptId: number, now: number, startedBefore: number): Promise<void> {
  await db
    .updateTable('job_runs')
    .set({ status: 'failed', error: '运行所在的实例已中断（租约过期）', finished_at: now })
    .where('job_name', '=', jobName)
    .where('status', '=', 'running')
    .where('id', '!=', exceptId)
    .where('started_at', '<', startedBefore)
    .execute()
}

/** The latest run that actually ran (skipped ticks are noise for "last run"). */
export async function lastJobRun(db: Executor, jobName: string, scope: JobRunScope): Promise<JobRun | undefined> {
  return scoped(db.selectFrom('job_runs').selectAll(), scope)
    .where('job_name', '=', jobName)
    .where('status', '!=', 'skipped')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst()
}

/** Whether some instance currently holds the job's lease, i.e. a run is in progress anywhere. */
export async function isJobLeaseHeld(db: Executor, jobName: string, now: number): Promise<boolean> {
  const row = await db
    .selectFrom('job_locks')
    .select('name')
    .where('name', '=', jobLeaseName(jobName))
    .where('locked_by', 'is not', null)
    .where('locked_until', '>', now)
    .executeTakeFirst()
  return row !== undefined
}

export async function listJobRuns(
  db: Executor,
  f: { page: number; pageSize: number; jobName?: string },
  scope: JobRunScope,
): Promise<{ items: JobRunDto[]; total: number }> {
  let q = scoped(db.selectFrom('job_runs'), scope)
  if (f.jobName) q = q.where('job_name', '=', f.jobName)
  const { rows, total } = await fetchPage(q, f, (p) => p.selectAll().orderBy('id', 'desc'))
  return { items: rows.map(toJobRunDto), total }
}

/** Deletes runs started before `before` (epoch ms). Returns how many. */
export async function purgeJobRuns(db: Executor, before: number): Promise<number> {
  const res = await db.deleteFrom('job_runs').where('started_at', '<', before).executeTakeFirst()
  return Number(res.numDeletedRows)
}
