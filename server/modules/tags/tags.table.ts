// Row types of tag groups, tags (WeCom corp tags mirrored, or CRM-only) and customer tag links.
import type { Generated, Selectable } from 'kysely'

export type TagSource = 'wecom' | 'crm'

export interface TagGroupsTable {
  id: Generated<number>
  org_id: number
  group_id: string | null
  name: string
  sort_order: number
  source: TagSource
  created_at: number
  updated_at: number
}

export interface TagsTable {
  id: Generated<number>
  org_id: number
  group_ref: number
  tag_id: string | null
  name: string
  sort_order: number
  source: TagSource
  created_at: number
  updated_at: number
}
export type TagRow = Selectable<TagsTable>

export interface CustomerTagsTable {
  id: Generated<number>
  org_id: number
  customer_id: number
  tag_ref: number
  userid: string
  created_at: number
}
