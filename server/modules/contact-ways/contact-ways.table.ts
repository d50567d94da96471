// Row type of 「联系我」 contact ways; list/object fields are JSON text, booleans 0/1; columns with a DB default are Generated.
import type { Generated, Selectable } from 'kysely'

export interface ContactWaysTable {
  id: Generated<number>
  org_id: number
  config_id: string | null
  type: number
  scene: number
  style: number | null
  remark: Generated<string>
  skip_verify: Generated<number>
  state: string
  channel_name: string
  /** JSON string[] */
  user_ids: string
  /** JSON number[] */
  party_ids: string
  is_temp: Generated<number>
  expires_in: number | null
  chat_expires_in: number | null
  unionid: string | null
  is_exclusive: Generated<number>
  /** JSON conclusions object or null */
  conclusions: string | null
  /** JSON { text?: string; attachments: [...] } or null */
  welcome: string | null
  /** JSON string[] of WeCom corp tag ids applied to customers who scan */
  tag_ids: string
  qr_code: string | null
  created_by: number | null
  /** 1: 外部创建 — made in the WeCom admin and imported by the sync; read-only here. */
  external: Generated<number>
  /** An external code's state at WeCom (its `state` holds a unique placeholder); '' for the CRM's own codes. */
  wecom_state: Generated<string>
  created_at: number
  updated_at: number
}
export type ContactWayRow = Selectable<ContactWaysTable>
