// Admin-side queries on queue_jobs: listing and lookup, always scoped to one org.
import type { Executor } from '../db/database'
import { fetchPage } from '../db/paginate'
import type { QueueJob, QueueStatus } from './queue.table'

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
