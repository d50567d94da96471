// Row types of the H5 binding: SMS verification codes and per-org follow QR codes.
import type { Generated, Selectable } from 'kysely'

export type SmsCodeStatus = 'pending' | 'sent' | 'used' | 'refused' | 'failed'

export interface SmsCodesTable {
  id: Generated<number>
  org_id: number
  mobile: string
  openid: string
  ip: string
  status: SmsCodeStatus
  /** HMAC of the code under the server key: a database dump does not give the codes away. */
  code_hash: string | null
  attempts: Generated<number>
  error: string | null
  expires_at: number
  created_at: number
}
export type SmsCodeRow = Selectable<SmsCodesTable>

export interface OaFollowQrcodesTable {
  id: Generated<number>
  org_id: number
  account_id: number
  scene: string
  url: string
  created_at: number
}
