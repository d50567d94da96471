// Row types of admin users, their sessions and failed logins.
import type { Generated, Selectable } from 'kysely'
import type { Role } from '../../../shared/enums'

export interface AdminUsersTable {
  id: Generated<number>
  org_id: number | null
  username: string
  display_name: string
  password_hash: string
  role: Role
  status: 'active' | 'disabled'
  last_login_at: number | null
  created_at: number
  updated_at: number
}
export type AdminUser = Selectable<AdminUsersTable>

export interface SessionsTable {
  id: Generated<number>
  token_hash: string
  user_id: number
  acting_org_id: number | null
  ip: string | null
  user_agent: string | null
  created_at: number
  last_seen_at: number
  expires_at: number
}
export type Session = Selectable<SessionsTable>

/**
 * Every login (and change-password) attempt, written before the password is checked so concurrent attempts see each
 * other: `pending` while checking, `failed` for a wrong password, `locked`/`delayed` when refused by a limit. A
 * successful attempt deletes its row.
 */
export type AttemptOutcome = 'pending' | 'failed' | 'locked' | 'delayed'

export interface LoginFailuresTable {
  id: Generated<number>
  username: string
  ip: string
  outcome: Generated<AttemptOutcome>
  created_at: number
}
