// WeCom request types and response schemas (zod, so the sandbox can check its replies against the client's view).
import { z } from 'zod'
import type { WecomPath } from './paths'

// ---------------------------------------------------------------- shared

/** Unix seconds; WeCom sends some timestamps as JSON strings (e.g. media created_at). */
const unixTime = z.union([z.number(), z.string()])

export const BaseResponse = z.object({ errcode: z.number(), errmsg: z.string() })
export type BaseResponse = z.infer<typeof BaseResponse>

const withBase = <T extends z.ZodRawShape>(shape: T) => BaseResponse.extend(shape)

// ---------------------------------------------------------------- Token

export const GetTokenResponse = withBase({ access_token: z.string().min(1), expires_in: z.number().positive() })
export type GetTokenResponse = z.infer<typeof GetTokenResponse>

// ---------------------------------------------------------------- ContactWay

/** Closing message of a temp chat; image/link/miniprogram: only one is used (image > link > miniprogram). */
export interface Conclusions {
  /** ≤ 4000 bytes */
  text?: { content: string }
  image?: { media_id: string }
  /** title ≤ 128 bytes, desc ≤ 512 bytes */
  link?: { title: string; picurl?: string; desc?: string; url: string }
  /** title ≤ 64 bytes; appid must be linked to the corp */
  miniprogram?: { title: string; pic_media_id: string; appid: string; page: string }
}

interface ContactWayCommon {
  /** 1 mini-program button, 2 QR code */
  scene: 1 | 2
  /** button style, scene 1 only */
  style?: number
  /** ≤ 30 chars */
  remark?: string
  /** default true */
  skip_verify?: boolean
  /** channel tag echoed in the add event and customer detail; ≤ 30 chars */
  state?: string
  /** default false; single user only; medical-industry corps */
  is_temp?: boolean
  /** seconds; is_temp only; default 7 days, max 14 days */
  expires_in?: number
  /** seconds; is_temp only; default 24 h, max 14 days */
  chat_expires_in?: number
  /** is_temp only */
  unionid?: string
  is_exclusive?: boolean
  /** default true; honoured only for marketing apps */
  mark_source?: boolean
  /** is_temp only */
  conclusions?: Conclusions
}

export type AddContactWayRequest =
  | (ContactWayCommon & { type: 1; /** exactly one userid */ user: [string]; party?: never })
  | (ContactWayCommon & { type: 2; user?: string[]; party?: number[] })

export const AddContactWayResponse = withBase({
  config_id: z.string(),
  /** scene 2 only */
  qr_code: z.string().optional(),
})
export type AddContactWayResponse = z.infer<typeof AddContactWayResponse>

const ReturnedConclusions = z.object({
  text: z.object({ content: z.string() }).optional(),
  /** get returns pic_url, not the media_id that was sent */
  image: z.object({ pic_url: z.string() }).optional(),
  link: z.object({ title: z.string(), picurl: z.string().optional(), desc: z.string().optional(), url: z.string() }).optional(),
  miniprogram: z
    .object({ title: z.string(), pic_media_id: z.string().optional(), appid: z.string(), page: z.string() })
    .optional(),
})

export const ContactWay = z.object({
  config_id: z.string(),
  type: z.number(),
  scene: z.number(),
  style: z.number().optional(),
  remark: z.string().optional(),
  skip_verify: z.boolean().optional(),
  state: z.string().optional(),
  qr_code: z.string().optional(),
  user: z.array(z.string()).optional(),
  party: z.array(z.number()).optional(),
  is_temp: z.boolean().optional(),
  expires_in: z.number().optional(),
  chat_expires_in: z.number().optional(),
  unionid: z.string().optional(),
  conclusions: ReturnedConclusions.optional(),
})
export type ContactWay = z.infer<typeof ContactWay>

export const GetContactWayResponse = withBase({ contact_way: ContactWay })
export type GetContactWayResponse = z.infer<typeof GetContactWayResponse>

export interface ListContactWayRequest {
  /** unix s; default 90 days ago */
  start_time?: number
  /** unix s; default now */
  end_time?: number
  cursor?: string
  /** default 100, max 1000 */
  limit?: number
}
/** Only contact ways created after 2021-07-10, temp-chat ones excluded. */
export const ListContactWayResponse = withBase({
  contact_way: z.array(z.object({ config_id: z.string() })),
  /** empty or absent on the last page */
  next_cursor: z.string().optional(),
})
export type ListContactWayResponse = z.infer<typeof ListContactWayResponse>

export interface UpdateContactWayRequest {
  config_id: string
  remark?: string
  skip_verify?: boolean
  style?: number
  state?: string
  /** overwrites the list */
  user?: string[]
  /** overwrites the list; type 2 only */
  party?: number[]
  expires_in?: number
  chat_expires_in?: number
  unionid?: string
  conclusions?: Conclusions
}

export interface CloseTempChatRequest {
  userid: string
  external_userid: string
}

// ---------------------------------------------------------------- ExternalContact

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

// ---------------------------------------------------------------- Tag

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

// ---------------------------------------------------------------- Welcome / attachments

export type Attachment =
  /** media_id wins if both are given */
  | { msgtype: 'image'; image: { media_id: string; pic_url?: never } | { pic_url: string; media_id?: never } }
  /** title ≤ 128 B, desc ≤ 512 B, picurl/url ≤ 2048 B */
  | { msgtype: 'link'; link: { title: string; picurl?: string; desc?: string; url: string } }
  /** title ≤ 64 B, cover 520×416, appid linked to the corp */
  | { msgtype: 'miniprogram'; miniprogram: { title: string; pic_media_id: string; appid: string; page: string } }
  | { msgtype: 'video'; video: { media_id: string } }
  | { msgtype: 'file'; file: { media_id: string } }

export interface SendWelcomeMsgRequest {
  /** from the add event; valid 20 s, usable once (41051 afterwards) */
  welcome_code: string
  /** ≤ 4000 bytes */
  text?: { content: string }
  /** ≤ 9 */
  attachments?: Attachment[]
}

// ---------------------------------------------------------------- GroupMsg

export interface AddMsgTemplateRequest {
  /** default single */
  chat_type?: 'single' | 'group'
  /** single only; ≤ 10 000 */
  external_userid?: string[]
  /** group only; ≤ 2000 */
  chat_id_list?: string[]
  /** OR within a group, AND across groups */
  tag_filter?: { group_list: { tag_list: string[] }[] }
  /** required for chat_type group; alone = all of the member's customers */
  sender?: string
  allow_select?: boolean
  /** ≤ 4000 bytes */
  text?: { content: string }
  /** ≤ 9 */
  attachments?: Attachment[]
}

export const AddMsgTemplateResponse = withBase({
  fail_list: z.array(z.string()).optional(),
  msgid: z.string(),
})
export type AddMsgTemplateResponse = z.infer<typeof AddMsgTemplateResponse>

/** Attachments as list endpoints return them (image may come back as pic_url). */
export const ReturnedAttachment = z.discriminatedUnion('msgtype', [
  z.object({ msgtype: z.literal('image'), image: z.object({ media_id: z.string().optional(), pic_url: z.string().optional() }) }),
  z.object({
    msgtype: z.literal('link'),
    link: z.object({ title: z.string(), picurl: z.string().optional(), desc: z.string().optional(), url: z.string() }),
  }),
  z.object({
    msgtype: z.literal('miniprogram'),
    miniprogram: z.object({ title: z.string(), pic_media_id: z.string().optional(), appid: z.string(), page: z.string() }),
  }),
  z.object({ msgtype: z.literal('video'), video: z.object({ media_id: z.string() }) }),
  z.object({ msgtype: z.literal('file'), file: z.object({ media_id: z.string() }) }),
])
export type ReturnedAttachment = z.infer<typeof ReturnedAttachment>

export interface ListGroupMsgV2Request {
  chat_type: 'single' | 'group'
  /** unix s; span ≤ 1 month */
  start_time: number
  end_time: number
  creator?: string
  /** 0 corp-created, 1 member-created, 2 all (default) */
  filter_type?: 0 | 1 | 2
  /** default 50, max 100 */
  limit?: number
  cursor?: string
}

export const GroupMsg = z.object({
  msgid: z.string(),
  /** absent for API-created messages */
  creator: z.string().optional(),
  create_time: unixTime,
  /** 0 corp, 1 member */
  create_type: z.number(),
  text: z.object({ content: z.string() }).optional(),
  attachments: z.array(ReturnedAttachment).optional(),
})
export type GroupMsg = z.infer<typeof GroupMsg>

export const ListGroupMsgV2Response = withBase({
  group_msg_list: z.array(GroupMsg),
  next_cursor: z.string().optional(),
})
export type ListGroupMsgV2Response = z.infer<typeof ListGroupMsgV2Response>

export interface GetGroupMsgTaskRequest {
  msgid: string
  /** default 500, max 1000 */
  limit?: number
  cursor?: string
}

export const GroupMsgTask = z.object({
  userid: z.string(),
  /** 0 not sent, 2 sent */
  status: z.number(),
  send_time: z.number().optional(),
})
export type GroupMsgTask = z.infer<typeof GroupMsgTask>

export const GetGroupMsgTaskResponse = withBase({
  task_list: z.array(GroupMsgTask),
  next_cursor: z.string().optional(),
})
export type GetGroupMsgTaskResponse = z.infer<typeof GetGroupMsgTaskResponse>

export interface GetGroupMsgSendResultRequest {
  msgid: string
  userid: string
  /** default 500, max 1000 */
  limit?: number
  cursor?: string
}

export const GroupMsgSendStatus = { NotSent: 0, Sent: 1, NotFriend: 2, QuotaReached: 3 } as const

export const GroupMsgSendRow = z.object({
  /** single sends only */
  external_userid: z.string().optional(),
  /** group sends only */
  chat_id: z.string().optional(),
  userid: z.string(),
  /** see GroupMsgSendStatus */
  status: z.number(),
  /** only when sent */
  send_time: z.number().optional(),
})
export type GroupMsgSendRow = z.infer<typeof GroupMsgSendRow>

export const GetGroupMsgSendResultResponse = withBase({
  send_list: z.array(GroupMsgSendRow),
  next_cursor: z.string().optional(),
})
export type GetGroupMsgSendResultResponse = z.infer<typeof GetGroupMsgSendResultResponse>

// ---------------------------------------------------------------- Message (app message to members)

interface MessageCommon {
  /** `a|b|c`, ≤ 1000; `@all` = the app's whole visible range */
  touser?: string
  /** `1|2`, ≤ 100 */
  toparty?: string
  /** `1|2`, ≤ 100 */
  totag?: string
  agentid: number
  safe?: 0 | 1
  enable_id_trans?: 0 | 1
  enable_duplicate_check?: 0 | 1
  /** seconds; default 1800, max 4 h */
  duplicate_check_interval?: number
}

export interface NewsArticle {
  /** ≤ 128 B */
  title: string
  /** ≤ 512 B */
  description?: string
  /** ≤ 2048 B; or appid + pagepath */
  url?: string
  appid?: string
  pagepath?: string
  picurl?: string
}

export interface TextNoticeCard {
  card_type: 'text_notice'
  source?: { icon_url?: string; desc?: string; desc_color?: number }
  /** requires task_id */
  action_menu?: { desc?: string; action_list: { text: string; key: string }[] }
  /** ≤ 128 B, [0-9a-zA-Z_-@] */
  task_id?: string
  /** title or sub_title_text is required */
  main_title?: { title?: string; desc?: string }
  emphasis_content?: { title?: string; desc?: string }
  quote_area?: { type?: number; url?: string; appid?: string; pagepath?: string; title?: string; quote_text?: string }
  sub_title_text?: string
  /** ≤ 6 */
  horizontal_content_list?: { keyname: string; value?: string; type?: number; url?: string; media_id?: string; userid?: string }[]
  /** ≤ 3 */
  jump_list?: { type?: number; title: string; url?: string; appid?: string; pagepath?: string }[]
  /** 1 url, 2 mini-program */
  card_action: { type: 1 | 2; url?: string; appid?: string; pagepath?: string }
}

export type AppMessage = MessageCommon &
  (
    | { msgtype: 'text'; /** ≤ 2048 bytes */ text: { content: string } }
    | {
        msgtype: 'textcard'
        /** title ≤ 128 B, description ≤ 512 B, btntxt ≤ 4 chars (default 详情) */
        textcard: { title: string; description: string; url: string; btntxt?: string }
      }
    | { msgtype: 'news'; /** 1–8 */ news: { articles: NewsArticle[] } }
    | { msgtype: 'template_card'; template_card: TextNoticeCard }
  )

export const SendMessageResponse = withBase({
  /** pipe-joined; a partial failure still sends (all invalid → 81013) */
  invaliduser: z.string().optional(),
  invalidparty: z.string().optional(),
  invalidtag: z.string().optional(),
  unlicenseduser: z.string().optional(),
  /** for message/recall within 24 h */
  msgid: z.string().optional(),
  /** interactive cards only; for update_template_card */
  response_code: z.string().optional(),
})
export type SendMessageResponse = z.infer<typeof SendMessageResponse>

// ---------------------------------------------------------------- User (members)

/**
 * 读取成员 (doc 90196). Only userid and name are needed here, so the rest is optional: since 2022-06-20 apps
 * other than contact sync (and every app created since) no longer get avatar, gender, mobile, email, biz_mail,
 * qr_code or address, and third-party apps get the userid in place of the name.
 */
export const GetUserResponse = withBase({
  userid: z.string(),
  name: z.string(),
  department: z.array(z.number()).optional(),
  /** order within each department, same length as department */
  order: z.array(z.number()).optional(),
  position: z.string().optional(),
  mobile: z.string().optional(),
  /** "0" unknown, "1" male, "2" female (a string) */
  gender: z.string().optional(),
  email: z.string().optional(),
  biz_mail: z.string().optional(),
  /** 1 = leader of the department at the same index */
  is_leader_in_dept: z.array(z.number()).optional(),
  direct_leader: z.array(z.string()).optional(),
  avatar: z.string().optional(),
  thumb_avatar: z.string().optional(),
  telephone: z.string().optional(),
  alias: z.string().optional(),
  address: z.string().optional(),
  open_userid: z.string().optional(),
  main_department: z.number().optional(),
  /** 1 activated, 2 disabled, 4 not activated, 5 left the corp */
  status: z.number().optional(),
  qr_code: z.string().optional(),
  external_position: z.string().optional(),
})
export type GetUserResponse = z.infer<typeof GetUserResponse>

// ---------------------------------------------------------------- Media

export const UploadMediaResponse = withBase({
  type: z.string(),
  /** valid 3 days */
  media_id: z.string(),
  created_at: unixTime,
})
export type UploadMediaResponse = z.infer<typeof UploadMediaResponse>

// ---------------------------------------------------------------- Auth

/** A member gets userid (+ user_ticket for privateinfo); a non-member gets openid (+ external_userid for customers). */
export const GetUserInfoResponse = withBase({
  userid: z.string().optional(),
  user_ticket: z.string().optional(),
  openid: z.string().optional(),
  external_userid: z.string().optional(),
})
export type GetUserInfoResponse = z.infer<typeof GetUserInfoResponse>

// ---------------------------------------------------------------- Jsapi

export const JsapiTicketResponse = withBase({ ticket: z.string().min(1), expires_in: z.number().positive() })
export type JsapiTicketResponse = z.infer<typeof JsapiTicketResponse>

// ---------------------------------------------------------------- catalogue

/** The success-response schema of every catalogued path. */
export const wecomResponseSchemas: Record<WecomPath, z.ZodType> = {
  '/cgi-bin/gettoken': GetTokenResponse,
  '/cgi-bin/externalcontact/add_contact_way': AddContactWayResponse,
  '/cgi-bin/externalcontact/get_contact_way': GetContactWayResponse,
  '/cgi-bin/externalcontact/list_contact_way': ListContactWayResponse,
  '/cgi-bin/externalcontact/update_contact_way': BaseResponse,
  '/cgi-bin/externalcontact/del_contact_way': BaseResponse,
  '/cgi-bin/externalcontact/close_temp_chat': BaseResponse,
  '/cgi-bin/externalcontact/get_follow_user_list': GetFollowUserListResponse,
  '/cgi-bin/externalcontact/list': ListExternalContactResponse,
  '/cgi-bin/externalcontact/get': GetExternalContactResponse,
  '/cgi-bin/externalcontact/batch/get_by_user': BatchGetByUserResponse,
  '/cgi-bin/externalcontact/remark': BaseResponse,
  '/cgi-bin/externalcontact/get_corp_tag_list': ListCorpTagsResponse,
  '/cgi-bin/externalcontact/add_corp_tag': AddCorpTagResponse,
  '/cgi-bin/externalcontact/edit_corp_tag': BaseResponse,
  '/cgi-bin/externalcontact/del_corp_tag': BaseResponse,
  '/cgi-bin/externalcontact/mark_tag': BaseResponse,
  '/cgi-bin/externalcontact/send_welcome_msg': BaseResponse,
  '/cgi-bin/externalcontact/add_msg_template': AddMsgTemplateResponse,
  '/cgi-bin/externalcontact/get_groupmsg_list_v2': ListGroupMsgV2Response,
  '/cgi-bin/externalcontact/get_groupmsg_task': GetGroupMsgTaskResponse,
  '/cgi-bin/externalcontact/get_groupmsg_send_result': GetGroupMsgSendResultResponse,
  '/cgi-bin/externalcontact/remind_groupmsg_send': BaseResponse,
  '/cgi-bin/externalcontact/cancel_groupmsg_send': BaseResponse,
  '/cgi-bin/message/send': SendMessageResponse,
  '/cgi-bin/user/get': GetUserResponse,
  '/cgi-bin/media/upload': UploadMediaResponse,
  '/cgi-bin/auth/getuserinfo': GetUserInfoResponse,
  '/cgi-bin/get_jsapi_ticket': JsapiTicketResponse,
  '/cgi-bin/ticket/get': JsapiTicketResponse,
}
