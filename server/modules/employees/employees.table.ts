// Row type of employees (员工 alerted through the Official Account; distinct from WeCom members in wecom_staff).
import type { Generated, Selectable } from 'kysely'

export interface EmployeesTable {
  id: Generated<number>
  org_id: number
  name: string
  mobile: string
  seat: string | null
  receives_system_notices: number
  wecom_userid: string | null
  admin_user_id: number | null
  /** The employee's openid under the org's Official Account; null until bound. */
  openid: string | null
  bound_at: number | null
  follows_oa: number
  created_at: number
  updated_at: number
}
export type EmployeeRow = Selectable<EmployeesTable>
