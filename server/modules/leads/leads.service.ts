// 线索: intent calls 加入CRM hands to the employee who was alerted; list, status and assignee changes for admins.
import type { Deps } from '../../deps'
import { InvalidInputError, notFound } from '../../lib/errors'
import type { Page } from '../../../shared/schemas/common'
import type { LeadListInput, LeadStatus, LeadView } from '../../../shared/schemas/lead'
import {
  employeeInOrg,
  findLeadByCall,
  findLeadWithEmployee,
  insertLeadIfAbsent,
  listLeads,
  setLead,
  type LeadWithEmployee,
} from './leads.repository'

const WHAT = '线索'

function toView(r: LeadWithEmployee): LeadView {
  return {
    id: r.id,
    callId: r.call_id,
    phone: r.phone,
    customerName: r.customer_name,
    intentionLevel: r.intention_level,
    detailUrl: r.detail_url,
    status: r.status,
    employeeId: r.employee_id,
    employeeName: r.employee_name,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  }
}

export interface NewLead {
  /** The employee the call was pushed to; null when the config routed nobody. */
  employeeId: number | null
  phone: string
  customerName: string
  callId: string
  intentionLevel: string | null
  detailUrl: string | null
}

/**
 * One lead per (org, call): a retried notification job or a second recipient of a 固定推送 finds the first one and
 * changes nothing, so the lead stays with whoever got it first.
 */
export async function createLead(deps: Deps, orgId: number, input: NewLead): Promise<{ id: number; created: boolean }> {
  const now = deps.clock.now()
  const created = await insertLeadIfAbsent(deps.db, {
    org_id: orgId,
    employee_id: input.employeeId,
    call_id: input.callId,
    phone: input.phone,
    customer_name: input.customerName,
    intention_level: input.intentionLevel,
    detail_url: input.detailUrl,
    status: 'new',
    created_at: now,
    updated_at: now,
  })
  const row = await findLeadByCall(deps.db, orgId, input.callId)
  if (!row) throw new Error(`lead for call ${input.callId} vanished after insert`)
  return { id: row.id, created }
}

export async function listLeadsPage(deps: Deps, orgId: number, input: LeadListInput): Promise<Page<LeadView>> {
  const { rows, total } = await listLeads(deps.db, orgId, input)
  return { items: rows.map(toView), total }
}

async function reload(deps: Deps, orgId: number, id: number): Promise<LeadView> {
  const row = await findLeadWithEmployee(deps.db, orgId, id)
  return row ? toView(row) : notFound(WHAT, id)
}

export async function setLeadStatus(deps: Deps, orgId: number, id: number, status: LeadStatus): Promise<LeadView> {
  if ((await setLead(deps.db, orgId, id, { status, updated_at: deps.clock.now() })) === 0) notFound(WHAT, id)
  return reload(deps, orgId, id)
}

export async function assignLead(deps: Deps, orgId: number, id: number, employeeId: number): Promise<LeadView> {
  if (!(await findLeadWithEmployee(deps.db, orgId, id))) notFound(WHAT, id)
  if (!(await employeeInOrg(deps.db, orgId, employeeId))) throw new InvalidInputError(`员工 ${employeeId} 不存在，请刷新员工列表后重新选择`)
  await setLead(deps.db, orgId, id, { employee_id: employeeId, updated_at: deps.clock.now() })
  return reload(deps, orgId, id)
}
