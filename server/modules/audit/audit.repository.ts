// Queries on audit_log: append an entry, list one org's entries under filters.
import type { Insertable } from 'kysely'
import type { Executor } from '../../db/database'
import { contains } from '../../db/dialect'
import { fetchPage } from '../../db/paginate'
import type { AuditEntry, AuditLogTable } from './audit.table'

export async function insertAuditEntry(db: Executor, row: Insertable<AuditLogTable>): Promise<void> {
  await db.insertInto('audit_log').values(row).execute()
}

export interface AuditFilter {
  page: number
  pageSize: number
  /** Part of the action name. */
  action?: string
  username?: string
  /** created_at range, ms: from inclusive, to exclusive. */
  from?: number
  to?: number
}

/** One page of the org's entries, newest first, with the total under the same filters. */
export async function listAuditEntries(db: Executor, orgId: number, f: AuditFilter): Promise<{ rows: AuditEntry[]; total: number }> {
  let q = db.selectFrom('audit_log').where('org_id', '=', orgId)
  if (f.action) q = q.where(contains('action', f.action))
  if (f.username) q = q.where('username', '=', f.username)
  if (f.from) q = q.where('created_at', '>=', f.from)
  if (f.to) q = q.where('created_at', '<', f.to)
  return fetchPage(q, f, (p) => p.selectAll().orderBy('id', 'desc'))
}
