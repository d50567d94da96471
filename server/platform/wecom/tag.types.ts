// Corporate customer tag requests and response schemas.
import { z } from 'zod'
import { withBase } from './types'

export interface ListCorpTagsRequest {
  /** both empty → all tags; both given → tag_id ignored */
  tag_id?: string[]
  group_id?: string[]
}

export const CorpTag = z.object({
  id: z.string(),
  name: z.string(),
  create_time: z.number(),
  order: z.number(),
  /** only when filtering by id */
  deleted: z.boolean().optional(),
})
export type CorpTag = z.infer<typeof CorpTag>

export const CorpTagGroup = z.object({
  group_id: z.string(),
  group_name: z.string(),
  create_time: z.number(),
  order: z.number(),
  deleted: z.boolean().optional(),
  tag: z.array(CorpTag),
})
export type CorpTagGroup = z.infer<typeof CorpTagGroup>

export const ListCorpTagsResponse = withBase({ tag_group: z.array(CorpTagGroup) })
export type ListCorpTagsResponse = z.infer<typeof ListCorpTagsResponse>

export interface AddCorpTagRequest {
  /** given → group_name/order ignored */
  group_id?: string
  /** ≤ 30 chars; an existing name appends to that group */
  group_name?: string
  /** larger = earlier, [0, 2^32) */
  order?: number
  /** name ≤ 30 chars; an empty group cannot be created */
  tag: { name: string; order?: number }[]
  /** old multi-app suites only */
  agentid?: number
}

export const AddCorpTagResponse = withBase({ tag_group: CorpTagGroup })
export type AddCorpTagResponse = z.infer<typeof AddCorpTagResponse>

export interface EditCorpTagRequest {
  /** tag or group id */
  id: string
  /** ≤ 30 chars */
  name?: string
  order?: number
  agentid?: number
}

/** Not both empty; deleting every tag of a group deletes the group. */
export interface DelCorpTagRequest {
  tag_id?: string[]
  group_id?: string[]
  agentid?: number
}

/** add_tag and remove_tag not both empty. */
export interface MarkTagRequest {
  userid: string
  external_userid: string
  add_tag?: string[]
  remove_tag?: string[]
}
