// Row type of orgs (tenants).
import type { Generated, Insertable, Selectable, Updateable } from 'kysely'

export interface OrgsTable {
  id: Generated<number>
  name: string
  slug: string
  status: 'active' | 'disabled'
  created_at: number
  updated_at: number
}
export type Org = Selectable<OrgsTable>
export type NewOrg = Insertable<OrgsTable>
export type OrgUpdate = Updateable<OrgsTable>
