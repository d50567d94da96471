// Queries for intent_leads (线索); the executor is always the first argument.
import type { Insertable, Updateable } from 'kysely'
import type { Executor } from '../../db/database'
import { affected, contains } from '../../db/dialect'
import { fetchPage } from '../../db/paginate'
import type { IntentLeadRow, IntentLeadsTable } from './leads.table'
import type { LeadStatus } from '../../../shared/schemas/lead'

export type LeadWithEmployee = IntentLeadRow & { employee_name: string | null }

/** Inserts unless the org already has a lead for this call; says which happened. */
export async function insertLeadIfAbsent(db: Executor, values: Insertable<IntentLeadsTable>): Promise<boolean> {
  const r = await db.insertInto('intent_leads').values(values).ignore().executeTakeFirst()
  return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0
}

export function findLeadByCall(db: Executor, orgId: number, callId: string): Promise<IntentLeadRow | undefined> {
  return db.selectFrom('intent_leads').selectAll().where('org_id', '=', orgId).where('call_id', '=', callId).executeTakeFirst()
}

function withEmployee(db: Executor, orgId: number) {
  return db
    .selectFrom('intent_leads')
    .leftJoin('employees', (j) =>
      j.onRef('employees.id', '=', 'intent_leads.employee_id').onRef('employees.org_id', '=', 'intent_leads.org_id'),
    )
    .where('intent_leads.org_id', '=', orgId)
}

export function findLeadWithEmployee(db: Executor, orgId: number, id: number): Promise<LeadWithEmployee | undefined> {
  return withEmployee(db, orgId)
    .where('intent_leads.id', '=', id)
    .selectAll('intent_leads')
    .select('employees.name as employee_name')
    .executeTakeFirst()
}

export interface LeadFilter {
  employeeId?: number
  status?: string
  from?: number
  to?: number
  q?: string
  page: number
  pageSize: number
}

export function listLeads(db: Executor, orgId: number, f: LeadFilter): Promise<{ rows: LeadWithEmployee[]; total: number }> {
  let q = withEmployee(db, orgId)
  if (f.employeeId !== undefined) q = q.where('intent_leads.employee_id', '=', f.employeeId)
  if (f.status !== undefined) q = q.where('intent_leads.status', '=', f.status as IntentLeadRow['status'])
  if (f.from !== undefined) q = q.where('intent_leads.created_at', '>=', f.from)
  if (f.to !== undefined) q = q.where('intent_leads.created_at', '<', f.to)
  if (f.q) q = q.where((eb) => eb.or([contains('intent_leads.phone', f.q!), contains('intent_leads.customer_name', f.q!)]))
  return fetchPage(q, f, (p) =>
    p
      .selectAll('intent_leads')
      .select('employees.name as employee_name')
      .orderBy('intent_leads.created_at', 'desc')
      .orderBy('intent_leads.id', 'desc'),
  )
}

export async function setLead(db: Executor, orgId: number, id: number, patch: Updateable<IntentLeadsTable>): Promise<number> {
  return affected(await db.updateTable('intent_leads').set(patch).where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst())
}

export async function employeeInOrg(db: Executor, orgId: number, id: number): Promise<boolean> {
  return (await db.selectFrom('employees').select('id').where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst()) !== undefined
}

/**
 * Leads in a status that were created or last changed in [from, to] (created by `to`, changed since `from`): what a
 * broadcast's conversion by lead status matches against its delivered customers' mobiles.
 */
export function findLeadsInStatusBetween(db: Executor, orgId: number, status: LeadStatus, from: number, to: number) {
  return db
    .selectFrom('intent_leads')
    .select(['phone', 'created_at', 'updated_at'])
    .where('org_id', '=', orgId)
    .where('status', '=', status)
    .where('created_at', '<=', to)
    .where('updated_at', '>=', from)
    .execute()
}
