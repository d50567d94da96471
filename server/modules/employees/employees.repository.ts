// Queries for employees (员工) and the WeCom members / admin users they link to; the executor is always the first argument.
import type { Insertable, Updateable } from 'kysely'
import type { Executor } from '../../db/database'
import { fetchPage } from '../../db/paginate'
import { affected, contains, insertedId } from '../../db/dialect'
import type { EmployeeRow, EmployeesTable } from './employees.table'

export type EmployeeWithStaff = EmployeeRow & { wecom_name: string | null }

export function findEmployeeById(db: Executor, orgId: number, id: number): Promise<EmployeeRow | undefined> {
  return db.selectFrom('employees').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst()
}

export async function insertEmployee(db: Executor, values: Insertable<EmployeesTable>): Promise<number> {
  return insertedId(await db.insertInto('employees').values(values).executeTakeFirstOrThrow())
}

export async function setEmployee(db: Executor, orgId: number, id: number, patch: Updateable<EmployeesTable>): Promise<number> {
  return affected(await db.updateTable('employees').set(patch).where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst())
}

export async function deleteEmployee(db: Executor, orgId: number, id: number): Promise<number> {
  return affected(await db.deleteFrom('employees').where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst())
}

export interface EmployeeFilter {
  q?: string
  bound?: boolean
  receivesSystemNotices?: boolean
  page: number
  pageSize: number
}

function withStaffName(db: Executor, orgId: number) {
  return db
    .selectFrom('employees')
    .leftJoin('wecom_staff', (j) =>
      j.onRef('wecom_staff.org_id', '=', 'employees.org_id').onRef('wecom_staff.userid', '=', 'employees.wecom_userid'),
    )
    .where('employees.org_id', '=', orgId)
}

export async function listEmployees(db: Executor, orgId: number, f: EmployeeFilter): Promise<{ rows: EmployeeWithStaff[]; total: number }> {
  let q = withStaffName(db, orgId)
  if (f.bound !== undefined) q = q.where('employees.openid', f.bound ? 'is not' : 'is', null)
  if (f.receivesSystemNotices !== undefined) q = q.where('employees.receives_system_notices', '=', f.receivesSystemNotices ? 1 : 0)
  if (f.q) q = q.where((eb) => eb.or([contains('employees.name', f.q!), contains('employees.mobile', f.q!)]))
  return fetchPage(q, f, (p) =>
    p
      .selectAll('employees')
      .select('wecom_staff.name as wecom_name')
      .orderBy('employees.created_at', 'desc')
      .orderBy('employees.id', 'desc'),
  )
}

/** Every employee of the org (export), oldest first. */
export function allEmployees(db: Executor, orgId: number): Promise<EmployeeWithStaff[]> {
  return withStaffName(db, orgId).selectAll('employees').select('wecom_staff.name as wecom_name').orderBy('employees.id').execute()
}

export async function findEmployeeWithStaff(db: Executor, orgId: number, id: number): Promise<EmployeeWithStaff | undefined> {
  return withStaffName(db, orgId)
    .where('employees.id', '=', id)
    .selectAll('employees')
    .select('wecom_staff.name as wecom_name')
    .executeTakeFirst()
}

/** Which of these mobiles are already registered in the org. */
export async function findRegisteredMobiles(db: Executor, orgId: number, mobiles: readonly string[]): Promise<Set<string>> {
  if (mobiles.length === 0) return new Set()
  const rows = await db.selectFrom('employees').select('mobile').where('org_id', '=', orgId).where('mobile', 'in', mobiles).execute()
  return new Set(rows.map((r) => r.mobile))
}

/** Which of these WeCom userids are already linked to an employee of the org. */
export async function findLinkedUserids(db: Executor, orgId: number, userids: readonly string[]): Promise<Set<string>> {
  if (userids.length === 0) return new Set()
  const rows = await db
    .selectFrom('employees')
    .select('wecom_userid')
    .where('org_id', '=', orgId)
    .where('wecom_userid', 'in', userids)
    .execute()
  return new Set(rows.map((r) => r.wecom_userid as string))
}

/** The org's WeCom members among these userids. */
export async function findStaffByUserids(db: Executor, orgId: number, userids: readonly string[]): Promise<Map<string, string>> {
  if (userids.length === 0) return new Map()
  const rows = await db
    .selectFrom('wecom_staff')
    .select(['userid', 'name'])
    .where('org_id', '=', orgId)
    .where('userid', 'in', userids)
    .execute()
  return new Map(rows.map((r) => [r.userid, r.name]))
}

/** The org's WeCom members with whether each is already an employee (the import dialog's list). */
export async function listStaffForImport(
  db: Executor,
  orgId: number,
): Promise<{ userid: string; name: string; status: string; employee_id: number | null }[]> {
  return db
    .selectFrom('wecom_staff')
    .leftJoin('employees', (j) =>
      j.onRef('employees.org_id', '=', 'wecom_staff.org_id').onRef('employees.wecom_userid', '=', 'wecom_staff.userid'),
    )
    .where('wecom_staff.org_id', '=', orgId)
    .select(['wecom_staff.userid', 'wecom_staff.name', 'wecom_staff.status', 'employees.id as employee_id'])
    .orderBy('wecom_staff.name')
    .orderBy('wecom_staff.userid')
    .execute()
}

export async function adminUserInOrg(db: Executor, orgId: number, id: number): Promise<boolean> {
  const row = await db.selectFrom('admin_users').select('id').where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst()
  return row !== undefined
}

export function findEmployeeByMobile(db: Executor, orgId: number, mobile: string): Promise<EmployeeRow | undefined> {
  return db.selectFrom('employees').selectAll().where('org_id', '=', orgId).where('mobile', '=', mobile).executeTakeFirst()
}

export function findEmployeeByOpenid(db: Executor, orgId: number, openid: string): Promise<EmployeeRow | undefined> {
  return db.selectFrom('employees').selectAll().where('org_id', '=', orgId).where('openid', '=', openid).executeTakeFirst()
}

/** The org's employee holding this openid loses it (unfollow, or the openid moving to another employee). */
export async function clearOpenid(db: Executor, orgId: number, openid: string, now: number): Promise<number> {
  return affected(
    await db
      .updateTable('employees')
      .set({ openid: null, bound_at: null, follows_oa: 0, updated_at: now })
      .where('org_id', '=', orgId)
      .where('openid', '=', openid)
      .executeTakeFirst(),
  )
}

export async function setFollowsOa(db: Executor, orgId: number, openid: string, follows: boolean, now: number): Promise<number> {
  return affected(
    await db
      .updateTable('employees')
      .set({ follows_oa: follows ? 1 : 0, updated_at: now })
      .where('org_id', '=', orgId)
      .where('openid', '=', openid)
      .executeTakeFirst(),
  )
}

/** The orgs in which this openid is bound (an account shared by several orgs tells us only the openid). */
export async function orgsBindingOpenid(db: Executor, openid: string): Promise<number[]> {
  const rows = await db.selectFrom('employees').select('org_id').where('openid', '=', openid).execute()
  return [...new Set(rows.map((r) => r.org_id))]
}
