// 用户管理: table columns and the create/edit/reset-password forms.
import type { FormRules } from 'element-plus'
import { orgUserRoles, userCreateInput, userResetPasswordInput } from '../../../../shared/schemas/auth'
import { ROLE_LABELS } from '../../../../shared/enums'
import type { TableColumn } from '../../components/table-column'
import type { UserRow } from '../../stores/users'
import { formatDateTime } from '../../utils/format'
import { zodRule } from '../../utils/zod-rule'

export const USER_STATUS_LABELS = { active: '正常', disabled: '已停用' } as const
export type OrgUserRole = (typeof orgUserRoles)[number]
export const ROLE_OPTIONS = orgUserRoles.map((value) => ({ value, label: ROLE_LABELS[value] }))

export function userColumns(): TableColumn<UserRow>[] {
  return [
    { key: 'username', label: '用户名', prop: 'username', minWidth: 140 },
    { key: 'displayName', label: '姓名', prop: 'displayName', minWidth: 120 },
    { key: 'role', label: '角色', slot: 'role', width: 120 },
    { key: 'status', label: '状态', slot: 'status', width: 100 },
    { key: 'lastLoginAt', label: '最近登录', formatter: (r) => formatDateTime(r.lastLoginAt), width: 180 },
    { key: 'createdAt', label: '创建时间', formatter: (r) => formatDateTime(r.createdAt), width: 180 },
    { key: 'actions', label: '操作', slot: 'actions', width: 220, fixed: 'right' },
  ]
}

export function emptyUserForm() {
  return { id: 0, username: '', displayName: '', password: '', role: 'org_member' as OrgUserRole }
}
export type UserForm = ReturnType<typeof emptyUserForm>

/** Create checks every field; edit only the fields it can change. */
export function userFormRules(mode: 'create' | 'edit'): FormRules {
  const s = userCreateInput.shape
  const rules: FormRules = {
    displayName: [zodRule(s.displayName)],
    role: [zodRule(s.role, 'change')],
  }
  if (mode === 'create') {
    rules.username = [zodRule(s.username)]
    rules.password = [zodRule(s.password)]
  }
  return rules
}

export function resetPasswordRules(): FormRules {
  return { password: [zodRule(userResetPasswordInput.shape.password)] }
}
