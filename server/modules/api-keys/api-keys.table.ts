// Row type of api_keys: the calling system's credentials for the events ingest API, one org each.
import type { Generated, Selectable } from 'kysely'

export interface ApiKeysTable {
  id: Generated<number>
  org_id: number
  name: string
  /** Public half, sent as X-Api-Key. */
  key_id: string
  /** The HMAC secret, sealed with the app key (it must be recoverable to verify signatures). */
  secret_sealed: string
  /** 1 for the key the 模拟外呼 demo creates for itself. */
  is_demo: Generated<number>
  created_by: number | null
  created_at: number
  last_used_at: number | null
  revoked_at: number | null
}
export type ApiKeyRow = Selectable<ApiKeysTable>
