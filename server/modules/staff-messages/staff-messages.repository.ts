// Queries for staff app messages: which of the given userids are the org's staff.
import type { Executor } from '../../db/database'

export async function findOrgStaffUserids(db: Executor, orgId: number, userids: readonly string[]): Promise<Set<string>> {
  if (userids.length === 0) return new Set()
  const rows = await db
    .selectFrom('wecom_staff')
    .select('userid')
    .where('org_id', '=', orgId)
    .where('userid', 'in', userids as string[])
    .execute()
  return new Set(rows.map((r) => r.userid))
}
