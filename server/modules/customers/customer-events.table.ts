// Row type of the append-only customer event log (what happened to a customer, when, and who did it).
import type { Generated, Selectable } from 'kysely'

export type CustomerEventKind =
  'added' | 're_added' | 'tag_added' | 'tag_removed' | 'remark' | 'description' | 'mobiles' | 'lost' | 'deleted'

/** staff: a member in WeCom; admin: a user of this admin; customer: the customer themself; system: sync and automation. */
export type CustomerEventActor = 'staff' | 'admin' | 'customer' | 'system'

export interface CustomerEventsTable {
  id: Generated<number>
  org_id: number
  customer_id: number
  kind: CustomerEventKind
  userid: string
  actor_type: CustomerEventActor
  actor_id: string
  /** JSON: tag refs, from/to of an edit, the channel of an add. */
  detail: string
  dedupe_key: string | null
  at: number
  created_at: number
}
export type CustomerEventRow = Selectable<CustomerEventsTable>
