// Row types of customers, their follow relations with staff, CRM leads and inbound messages.
import type { Generated, Selectable } from 'kysely'

export interface CustomersTable {
  id: Generated<number>
  org_id: number
  external_userid: string
  name: Generated<string>
  avatar: string | null
  type: Generated<number>
  gender: Generated<number>
  unionid: string | null
  position: string | null
  corp_name: string | null
  corp_full_name: string | null
  channel_state: string | null
  contact_way_id: number | null
  /** 'active' while any staff relation is active, else 'lost'. */
  status: Generated<'active' | 'lost'>
  first_added_at: number | null
  created_at: number
  updated_at: number
}
export type CustomerRow = Selectable<CustomersTable>

export type FollowStatus = 'active' | 'lost' | 'deleted'

export interface CustomerFollowsTable {
  id: Generated<number>
  org_id: number
  customer_id: number
  userid: string
  remark: Generated<string>
  description: Generated<string>
  /** JSON string[] */
  remark_mobiles: string
  add_way: Generated<number>
  state: Generated<string>
  oper_userid: Generated<string>
  contact_way_id: number | null
  /** ms */
  createtime: number
  status: FollowStatus
  lost_at: number | null
  deleted_at: number | null
  updated_at: number
}
export type CustomerFollowRow = Selectable<CustomerFollowsTable>

export interface CrmLeadsTable {
  id: Generated<number>
  org_id: number
  customer_id: number
  source: string
  channel_state: string | null
  contact_way_id: number | null
  owner_userid: string | null
  status: 'new' | 'contacted' | 'converted' | 'closed'
  created_at: number
  updated_at: number
}

export interface MessagesTable {
  id: Generated<number>
  org_id: number
  customer_id: number | null
  from_id: string
  to_id: string
  msg_type: string
  content: string
  msg_id: string
  create_time: number
  created_at: number
}
