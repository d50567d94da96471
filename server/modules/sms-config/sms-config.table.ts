// Row type of an org's Tencent Cloud SMS configuration (SecretKey sealed).
import type { Generated, Selectable } from 'kysely'

export interface SmsConfigsTable {
  id: Generated<number>
  org_id: number
  /** AKID… */
  secret_id: string
  secret_key_sealed: string
  /** the SMS app (应用), e.g. '1400000001' */
  sms_sdk_app_id: string
  /** the approved signature text shown as 【…】 */
  sign_name: string
  /** 'ap-guangzhou' (default), 'ap-beijing' or 'ap-nanjing' */
  region: Generated<string>
  /** the approved verification-code template: {1} the code, {2} minutes */
  code_template_id: string
  created_at: number
  updated_at: number
}
export type SmsConfigRow = Selectable<SmsConfigsTable>
