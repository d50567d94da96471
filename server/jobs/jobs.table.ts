// Row types of scheduler leases and job runs.
import type { ColumnType, Generated, Selectable } from 'kysely'

export interface JobLocksTable {
  name: string
  locked_by: string | null
  locked_until: number
  updated_at: number
}

export type JobRunStatus = 'running' | 'succeeded' | 'failed' | 'skipped'

export interface JobRunsTable {
  id: Generated<number>
  job_name: string
  /** The org the run worked for; null for platform-wide runs (every current job), which only the super admin sees. */
  org_id: ColumnType<number | null, number | null | undefined, number | null>
  tick_key: string
  trigger: 'scheduled' | 'manual'
  status: JobRunStatus
  instance: string
  progress_done: Generated<number>
  progress_total: Generated<number>
  /** JSON text of counters. */
  summary: string | null
  error: string | null
  started_at: number
  finished_at: number | null
}
export type JobRun = Selectable<JobRunsTable>
