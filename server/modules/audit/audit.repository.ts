// Queries for the audit log.
import type { Insertable } from 'kysely'
import type { Executor } from '../../db/database'
import type { AuditLogTable } from './audit.table'

export async function insertAuditEntry(db: Executor, entry: Insertable<AuditLogTable>): Promise<void> {
  await db.insertInto('audit_log').values(entry).execute()
}
