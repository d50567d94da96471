// 员工: table columns, the create/edit form (rules from `employeeFields`), CSV and file download helpers.
import type { FormRules } from 'element-plus'
import { employeeFields } from '../../../../shared/schemas/employee'
import type { TableColumn } from '../../components/table-column'
import type { EmployeeRow } from '../../stores/employees'
import { formatDateTime } from '../../utils/format'
import { zodRule } from '../../utils/zod-rule'

export function employeeColumns(): TableColumn<EmployeeRow>[] {
  return [
    { key: 'name', label: '姓名', prop: 'name', minWidth: 110 },
    { key: 'mobile', label: '手机号', prop: 'mobile', width: 130 },
    { key: 'seat', label: '岗位', formatter: (r) => r.seat ?? '—', minWidth: 100 },
    { key: 'wecom', label: '企业微信成员', formatter: (r) => (r.wecomUserid ? (r.wecomName ?? r.wecomUserid) : '—'), minWidth: 120 },
    { key: 'receives', label: '系统通知', slot: 'receives', width: 90 },
    { key: 'bound', label: '绑定状态', slot: 'bound', width: 100 },
    { key: 'followsOa', label: '关注公众号', slot: 'followsOa', width: 100 },
    { key: 'boundAt', label: '绑定时间', formatter: (r) => formatDateTime(r.boundAt), width: 170 },
    { key: 'actions', label: '操作', slot: 'actions', width: 200, fixed: 'right' },
  ]
}

export function emptyEmployeeForm() {
  return { id: 0, name: '', mobile: '', seat: '', receivesSystemNotices: false, wecomUserid: '' }
}
export type EmployeeForm = ReturnType<typeof emptyEmployeeForm>

export function employeeFormRules(): FormRules {
  const s = employeeFields.shape
  return { name: [zodRule(s.name)], mobile: [zodRule(s.mobile)], seat: [zodRule(s.seat)] }
}

export function downloadText(filename: string, content: string, type = 'text/csv;charset=utf-8'): void {
  downloadBlob(filename, new Blob([content], { type }))
}

export function downloadBlob(filename: string, blob: Blob): void {
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = filename
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 1000)
}

export const CSV_TEMPLATE = '\uFEFF姓名,手机号,岗位,接收系统通知,企业微信账号\r\n张三,13800000000,前台,是,\r\n'
