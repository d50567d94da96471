// Row types of broadcast automation rules, their once-per-period send records, and customers' birthdays (a CRM field).
import type { Generated, Selectable } from 'kysely'
import type { RulePeriod } from '../../../shared/schemas/broadcast-rule'

export interface BroadcastRulesTable {
  id: Generated<number>
  org_id: number
  name: string
  /** JSON RuleCondition */
  condition: string
  /** JSON BroadcastContent */
  content: string
  period: RulePeriod
  enabled: number
  last_run_at: number | null
  last_matched: Generated<number>
  last_sent: Generated<number>
  created_at: number
  updated_at: number
}
export type BroadcastRuleRow = Selectable<BroadcastRulesTable>

export interface BroadcastRuleSendsTable {
  id: Generated<number>
  org_id: number
  rule_id: number
  customer_id: number
  /** '2026', '2026-12', '2026-W49', '2026-12-01' or 'once' */
  period_key: string
  broadcast_id: number
  created_at: number
}

export interface CustomerBirthdaysTable {
  id: Generated<number>
  org_id: number
  customer_id: number
  /** MM-DD */
  birthday: string
  updated_at: number
}
