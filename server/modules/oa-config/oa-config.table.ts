// Row type of an Official Account's configuration (secrets sealed); org_id NULL is the platform's account.
import type { Generated, Selectable } from 'kysely'

export type OaMessageMode = 'plain' | 'compatible' | 'safe'

export interface OaAccountsTable {
  id: Generated<number>
  org_id: number | null
  /** org_id, or 0 for the platform account: the unique key that keeps one account per owner. */
  owner_key: number
  name: string
  app_id: string
  app_secret_sealed: string
  token: string
  encoding_aes_key_sealed: string | null
  message_mode: OaMessageMode
  /** gh_… */
  original_id: string | null
  oauth_domain: string | null
  /** MP_verify_<code>.txt, served at the site root for the domain check. */
  verify_file_name: string | null
  verify_file_content: string | null
  callback_key: string
  created_at: number
  updated_at: number
}
export type OaAccountRow = Selectable<OaAccountsTable>
