// Mass message (群发) requests and response schemas.
import { z } from 'zod'
import { type Attachment, unixTime, withBase } from './types'

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
