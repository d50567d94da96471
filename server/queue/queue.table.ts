// Row type of the durable queue.
import type { Generated, Selectable } from 'kysely'

export type QueueStatus = 'pending' | 'running' | 'done' | 'dead'

export interface QueueJobsTable {
  id: Generated<number>
  org_id: number | null
  kind: string
  /** JSON text. */
  payload: string
  dedupe_key: string | null
  status: QueueStatus
  attempts: Generated<number>
  max_attempts: number
  run_after: number
  locked_by: string | null
  locked_until: number | null
  last_error: string | null
  created_at: number
  updated_at: number
  finished_at: number | null
}
export type QueueJob = Selectable<QueueJobsTable>
