// 员工: columns of the member table (members with customer contact, as synced from WeCom).
import type { TableColumn } from '../../components/table-column'
import type { StaffRow } from '../../stores/staff'

export const STAFF_STATUS_LABELS: Record<string, string> = { active: '在职', inactive: '已停用' }

export function staffColumns(): TableColumn<StaffRow>[] {
  return [
    { key: 'userid', label: '成员账号（userid）', slot: 'userid', minWidth: 200 },
    { key: 'name', label: '姓名', prop: 'name', minWidth: 160 },
    { key: 'status', label: '状态', slot: 'status', width: 120 },
  ]
}
