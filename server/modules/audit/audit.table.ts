// Row type of the audit log: who changed what, in which org, when.
import type { Generated, Selectable } from 'kysely'

export interface AuditLogTable {
  id: Generated<number>
  org_id: number | null
  user_id: number | null
  username: string | null
  action: string
  input_summary: string | null
  result: 'ok' | 'error'
  error: string | null
  ip: string | null
  created_at: number
}
export type AuditEntry = Selectable<AuditLogTable>
