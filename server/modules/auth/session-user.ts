// Who is calling: the signed-in admin as the session resolves them (read by auth, audit and the tRPC context).
import type { Role } from '../../../shared/enums'

export interface SessionUser {
  id: number
  sessionId: number
  username: string
  displayName: string
  role: Role
  orgId: number | null
  orgName: string | null
  /** The org a super admin is acting in (their own org for everyone else). */
  actingOrgId: number | null
  actingOrgName: string | null
}
