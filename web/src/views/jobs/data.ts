// 任务: run-history columns, status colours and progress maths.
import { JOB_RUN_STATUS_LABELS } from '../../../../shared/enums'
import type { TableColumn } from '../../components/table-column'
import type { JobRunRow } from '../../stores/jobs'
import { formatDateTime, formatDuration } from '../../utils/format'

export type JobRunStatus = keyof typeof JOB_RUN_STATUS_LABELS
export { JOB_RUN_STATUS_LABELS }

export const RUN_STATUS_TAG: Record<JobRunStatus, 'primary' | 'success' | 'danger' | 'info'> = {
  running: 'primary',
  succeeded: 'success',
  failed: 'danger',
  skipped: 'info',
}
export const RUN_STATUS_PROGRESS: Record<JobRunStatus, '' | 'success' | 'exception' | 'warning'> = {
  running: '',
  succeeded: 'success',
  failed: 'exception',
  skipped: 'warning',
}
export const TRIGGER_LABELS: Record<string, string> = { scheduled: '定时', manual: '手动' }

export function statusLabel(status: string): string {
  return JOB_RUN_STATUS_LABELS[status as JobRunStatus] ?? status
}

/** 0–100; a finished run with no known total counts as complete. */
export function progressPercent(run: { status: string; progressDone: number; progressTotal: number }): number {
  if (run.progressTotal > 0) return Math.min(100, Math.round((run.progressDone / run.progressTotal) * 100))
  return run.status === 'running' ? 0 : 100
}

export function runColumns(jobTitle: (name: string) => string): TableColumn<JobRunRow>[] {
  return [
    { key: 'id', label: 'ID', prop: 'id', width: 80 },
    { key: 'job', label: '任务', formatter: (r) => jobTitle(r.jobName), minWidth: 160 },
    { key: 'trigger', label: '触发', formatter: (r) => TRIGGER_LABELS[r.trigger] ?? r.trigger, width: 80 },
    { key: 'status', label: '状态', slot: 'status', width: 100 },
    { key: 'progress', label: '进度', slot: 'progress', minWidth: 200 },
    { key: 'startedAt', label: '开始时间', formatter: (r) => formatDateTime(r.startedAt), width: 180 },
    { key: 'duration', label: '耗时', formatter: (r) => formatDuration(r.startedAt, r.finishedAt), width: 110 },
    { key: 'summary', label: '结果', slot: 'summary', minWidth: 220 },
    { key: 'instance', label: '实例', prop: 'instance', width: 140, ellipsis: true },
  ]
}
