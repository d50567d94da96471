// Customer (external contact) requests and response schemas.
import { z } from 'zod'
import { withBase } from './types'

export const GetFollowUserListResponse = withBase({ follow_user: z.array(z.string()) })
export type GetFollowUserListResponse = z.infer<typeof GetFollowUserListResponse>

export const ListExternalContactResponse = withBase({ external_userid: z.array(z.string()) })
export type ListExternalContactResponse = z.infer<typeof ListExternalContactResponse>

const ExternalAttr = z.union([
  z.object({ type: z.literal(0), name: z.string(), text: z.object({ value: z.string() }) }),
  z.object({ type: z.literal(1), name: z.string(), web: z.object({ url: z.string(), title: z.string() }) }),
  z.object({
    type: z.literal(2),
    name: z.string(),
    miniprogram: z.object({ appid: z.string(), pagepath: z.string(), title: z.string() }),
  }),
])

export const ExternalContact = z.object({
  external_userid: z.string(),
  name: z.string(),
  avatar: z.string().optional(),
  /** 1 WeChat user, 2 WeCom user */
  type: z.number(),
  /** 0 unknown, 1 male, 2 female */
  gender: z.number().optional(),
  /** WeChat users, corp bound to a developer account; never for third-party apps */
  unionid: z.string().optional(),
  position: z.string().optional(),
  corp_name: z.string().optional(),
  corp_full_name: z.string().optional(),
  external_profile: z.object({ external_attr: z.array(ExternalAttr).optional() }).optional(),
})
export type ExternalContact = z.infer<typeof ExternalContact>

export const FollowUserTag = z.object({
  group_name: z.string(),
  tag_name: z.string(),
  /** 1 corp tag, 2 user-defined, 3 rule-group tag */
  type: z.number(),
  /** absent for type 2 */
  tag_id: z.string().optional(),
})

/** Fields shared by /get's follow_user[] and batch/get_by_user's follow_info. */
const followShape = {
  userid: z.string(),
  remark: z.string().optional(),
  description: z.string().optional(),
  createtime: z.number(),
  remark_corp_name: z.string().optional(),
  remark_mobiles: z.array(z.string()).optional(),
  /** the member, the customer's external_userid, or the sharing member/admin (add_way 201/202) */
  oper_userid: z.string().optional(),
  /** fixed source code: 0 unknown, 1 QR, 2 phone search, … 201 member share, 202 admin assignment */
  add_way: z.number().optional(),
  /** the contact way's `state` */
  state: z.string().optional(),
}

export const FollowUser = z.object({ ...followShape, tags: z.array(FollowUserTag).optional() })
export type FollowUser = z.infer<typeof FollowUser>

export const GetExternalContactResponse = withBase({
  external_contact: ExternalContact,
  follow_user: z.array(FollowUser),
  /** only when the customer has > 500 followers */
  next_cursor: z.string().optional(),
})
export type GetExternalContactResponse = z.infer<typeof GetExternalContactResponse>

export interface BatchGetByUserRequest {
  /** ≤ 100 member userids */
  userid_list: string[]
  cursor?: string
  /** default 50, max 100 */
  limit?: number
}

/** One row per member–customer pair; tag ids only (no names), unlike /get. */
export const FollowInfo = z.object({ ...followShape, tag_id: z.array(z.string()).optional() })
export type FollowInfo = z.infer<typeof FollowInfo>

export const ExternalContactWithFollowInfo = z.object({ external_contact: ExternalContact, follow_info: FollowInfo })
export type ExternalContactWithFollowInfo = z.infer<typeof ExternalContactWithFollowInfo>

export const BatchGetByUserResponse = withBase({
  external_contact_list: z.array(ExternalContactWithFollowInfo),
  next_cursor: z.string().optional(),
})
export type BatchGetByUserResponse = z.infer<typeof BatchGetByUserResponse>

/** At least one of the optional fields must be given. */
export interface RemarkRequest {
  userid: string
  external_userid: string
  /** ≤ 20 chars */
  remark?: string
  /** ≤ 150 chars */
  description?: string
  /** ≤ 20 chars; WeChat-user customers only */
  remark_company?: string
  /** overwrites; [""] clears all */
  remark_mobiles?: string[]
  remark_pic_mediaid?: string
}
