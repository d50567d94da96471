// 审计日志: table columns and readable names for the recorded procedure paths.
import type { TableColumn } from '../../components/table-column'
import type { AuditRow } from '../../stores/audit'
import { formatDateTime } from '../../utils/format'

/** Known actions; anything else shows its procedure path only. */
export const ACTION_LABELS: Record<string, string> = {
  'auth.login': '登录',
  'orgs.create': '新建机构',
  'orgs.update': '修改机构',
  'users.create': '新建用户',
  'users.update': '修改用户',
  'users.resetPassword': '重置密码',
  'queue.retry': '重试队列任务',
  'queue.retryAllDead': '重试全部失败任务',
  'jobs.runNow': '立即执行任务',
}

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
