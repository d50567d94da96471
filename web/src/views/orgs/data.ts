// 组织管理: table columns and the create form (org + its first admin account).
import type { FormRules } from 'element-plus'
import { orgCreateInput, userCreateInput } from '../../../../shared/schemas/auth'
import type { TableColumn } from '../../components/table-column'
import type { OrgRow } from '../../stores/orgs'
import { formatDateTime } from '../../utils/format'
import { zodRule } from '../../utils/zod-rule'

export const ORG_STATUS_LABELS = { active: '启用', disabled: '已停用' } as const

export function orgColumns(): TableColumn<OrgRow>[] {
  return [
    { key: 'id', label: 'ID', prop: 'id', width: 80 },
    { key: 'name', label: '机构名称', prop: 'name', minWidth: 180 },
    { key: 'slug', label: '标识', prop: 'slug', minWidth: 140 },
    { key: 'status', label: '状态', slot: 'status', width: 100 },
    { key: 'userCount', label: '账号数', prop: 'userCount', width: 90, align: 'right' },
    { key: 'heldCallbacks', label: '暂存回调', prop: 'heldCallbacks', width: 100, align: 'right' },
    { key: 'createdAt', label: '创建时间', formatter: (r) => formatDateTime(r.createdAt), width: 180 },
    { key: 'actions', label: '操作', slot: 'actions', width: 200, fixed: 'right' },
  ]
}

export function emptyOrgForm() {
  return { name: '', slug: '', admin: { username: '', displayName: '', password: '' } }
}
export type OrgForm = ReturnType<typeof emptyOrgForm>

export function orgFormRules(): FormRules {
  const admin = userCreateInput.shape
  return {
    name: [zodRule(orgCreateInput.shape.name)],
    slug: [zodRule(orgCreateInput.shape.slug)],
    'admin.username': [zodRule(admin.username)],
    'admin.displayName': [zodRule(admin.displayName)],
    'admin.password': [zodRule(admin.password)],
  }
}
