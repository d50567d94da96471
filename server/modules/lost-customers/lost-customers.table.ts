// Row types of the lost-customer alert setting and the daily digest's once-per-recipient record.
import type { Generated } from 'kysely'
export type LostAlertMode = 'immediate' | 'digest' | 'off'

export interface LostAlertSettingsTable {
  org_id: number
  mode: LostAlertMode
  /** JSON string[]: WeCom userids who get the 09:00 digest. */
  recipients: string
  updated_at: number
}

export interface LostAlertDigestsTable {
  id: Generated<number>
  org_id: number
  /** YYYY-MM-DD, Beijing time: the day whose losses the digest counts. */
  day: string
  userid: string
  lost_count: number
  created_at: number
}
