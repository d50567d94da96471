// 队列: table columns, status options and colours.
import { QUEUE_STATUSES, QUEUE_STATUS_LABELS } from '../../../../shared/enums'
import { QUEUE_KIND_LABELS, queueKindLabel } from '../../../../shared/labels'
import type { TableColumn } from '../../components/table-column'
import type { QueueRow, QueueStatus } from '../../stores/queue'
import { formatDateTime } from '../../utils/format'

export { QUEUE_STATUS_LABELS, queueKindLabel }
/** The kind filter's choices, by Chinese name. */
export const KIND_OPTIONS = Object.entries(QUEUE_KIND_LABELS).map(([value, label]) => ({ value, label }))
export const STATUS_OPTIONS = QUEUE_STATUSES.map((value) => ({ value, label: QUEUE_STATUS_LABELS[value] }))
export const STATUS_TAG: Record<QueueStatus, 'warning' | 'primary' | 'success' | 'danger'> = {
  pending: 'warning',
  running: 'primary',
  done: 'success',
  dead: 'danger',
}

export function queueColumns(): TableColumn<QueueRow>[] {
  return [
    { key: 'id', label: 'ID', prop: 'id', minWidth: 64 },
    { key: 'kind', label: '类型', slot: 'kind', minWidth: 140, ellipsis: true },
    { key: 'status', label: '状态', slot: 'status', minWidth: 84 },
    { key: 'attempts', label: '尝试次数', formatter: (r) => `${r.attempts} / ${r.maxAttempts}`, minWidth: 92, align: 'center' },
    { key: 'lastError', label: '最近错误', prop: 'lastError', minWidth: 150, ellipsis: true },
    { key: 'runAfter', label: '计划执行', formatter: (r) => formatDateTime(r.runAfter), minWidth: 112 },
    { key: 'updatedAt', label: '更新时间', formatter: (r) => formatDateTime(r.updatedAt), minWidth: 112 },
    { key: 'finishedAt', label: '结束时间', formatter: (r) => formatDateTime(r.finishedAt), minWidth: 112 },
    { key: 'createdAt', label: '创建时间', formatter: (r) => formatDateTime(r.createdAt), minWidth: 112 },
    { key: 'actions', label: '操作', slot: 'actions', width: 90, fixed: 'right' },
  ]
}
