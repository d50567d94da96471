// 审计日志: table columns and the filter's action choices (names from shared/labels.ts).
import { AUDIT_ACTION_LABELS, auditActionLabel } from '../../../../shared/labels'
import type { TableColumn } from '../../components/table-column'
import type { AuditRow } from '../../stores/audit'
import { formatDateTime } from '../../utils/format'

/** The audit filter's choices: every action the log can hold, by its Chinese name (sorted by that name). */
export const ACTION_OPTIONS = Object.entries(AUDIT_ACTION_LABELS)
  .map(([value, label]) => ({ value, label }))
  .sort((a, b) => a.label.localeCompare(b.label, 'zh-CN'))

export { auditActionLabel }

export const RESULT_LABELS = { ok: '成功', error: '失败' } as const

export function auditColumns(): TableColumn<AuditRow>[] {
  return [
    { key: 'createdAt', label: '时间', formatter: (r) => formatDateTime(r.createdAt), width: 180 },
    { key: 'username', label: '用户', prop: 'username', width: 140 },
    { key: 'action', label: '操作', slot: 'action', minWidth: 220 },
    { key: 'result', label: '结果', slot: 'result', width: 90 },
    { key: 'error', label: '错误信息', prop: 'error', minWidth: 200, ellipsis: true },
    { key: 'ip', label: 'IP', prop: 'ip', width: 140 },
  ]
}
