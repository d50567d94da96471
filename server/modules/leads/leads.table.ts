// Row type of intent_leads (线索): an intent call 加入CRM handed to the employee it was pushed to.
import type { Generated, Selectable } from 'kysely'
import type { LeadStatus } from '../../../shared/schemas/lead'

export interface IntentLeadsTable {
  id: Generated<number>
  org_id: number
  /** Assignee; null when nobody was routed or the employee was removed. */
  employee_id: number | null
  call_id: string
  phone: string
  customer_name: string
  intention_level: string | null
  detail_url: string | null
  status: LeadStatus
  created_at: number
  updated_at: number
}
export type IntentLeadRow = Selectable<IntentLeadsTable>
