// Row type of cached platform access tokens, one per (org, app).
import type { Generated } from 'kysely'

export interface PlatformTokensTable {
  id: Generated<number>
  org_id: number
  app: string
  token_sealed: string
  expires_at: number
  refreshed_at: number
}
