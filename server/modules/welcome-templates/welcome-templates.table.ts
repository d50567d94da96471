// Row types of welcome-message templates and their assignments (per contact way, 0 = the org default).
import type { Generated, Selectable } from 'kysely'

export interface WelcomeTemplatesTable {
  id: Generated<number>
  org_id: number
  name: string
  /** JSON WelcomeMessage */
  message: string
  created_at: number
  updated_at: number
}
export type WelcomeTemplateRow = Selectable<WelcomeTemplatesTable>

/** contact_way_id 0 = the org default. */
export interface WelcomeTemplateUsesTable {
  id: Generated<number>
  org_id: number
  contact_way_id: number
  template_id: number
  updated_at: number
}
