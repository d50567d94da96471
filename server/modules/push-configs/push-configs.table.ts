// Row types of push_configs (推送配置) and push_config_employees (the ordered employees each config pushes to).
import type { Generated, Selectable } from 'kysely'
import type { PushMode } from '../../../shared/schemas/push-config'

export interface PushConfigsTable {
  id: Generated<number>
  org_id: number
  /** '' = 默认设置 (applies to every template without a config of its own). */
  script_template_id: string
  script_template_name: string
  /** Comma-separated levels, e.g. "A,B". */
  intention_levels: string
  push_mode: PushMode
  add_to_crm: number
  sms_enabled: number
  sms_template_id: string | null
  /** 顺序推送: index (mod attached count) where the next search for a bound employee starts. */
  rr_cursor: Generated<number>
  created_at: number
  updated_at: number
}
export type PushConfigRow = Selectable<PushConfigsTable>

export interface PushConfigEmployeesTable {
  id: Generated<number>
  org_id: number
  config_id: number
  employee_id: number
  /** 0-based order the admin arranged; 顺序推送 walks it. */
  position: number
  last_pushed_at: number | null
  push_count: Generated<number>
}
export type PushConfigEmployeeRow = Selectable<PushConfigEmployeesTable>
