// Row types of an org's WeCom configuration (secrets sealed) and its synced customer-contact staff.
import type { Generated, Selectable } from 'kysely'

export interface WecomConfigsTable {
  id: Generated<number>
  org_id: number
  corp_id: string
  agent_id: string | null
  contact_secret_sealed: string
  agent_secret_sealed: string | null
  callback_token_sealed: string
  encoding_aes_key_sealed: string
  callback_key: string
  last_test_at: number | null
  last_test_ok: number | null
  last_test_message: string | null
  staff_count: number | null
  created_at: number
  updated_at: number
}
export type WecomConfigRow = Selectable<WecomConfigsTable>

export interface WecomStaffTable {
  id: Generated<number>
  org_id: number
  userid: string
  name: string
  status: 'active' | 'inactive'
  synced_at: number
}
