// 群发 composer, target choice, schedule and per-org receive limit, shared by the admin web and the server; limits mirror WeCom's.
import { z } from 'zod'
import { pageInput } from './common'
import { customerListInput } from './customer'
import { linkBody, miniprogramBody } from './contact-way'
import { LEAD_STATUSES, type LeadStatus } from './lead'

const utf8Bytes = (s: string) => new TextEncoder().encode(s).length

export const BROADCAST_TEXT_MAX_BYTES = 4000
export const BROADCAST_ATTACHMENTS_MAX = 9
/** add_msg_template takes at most this many external_userids per call. */
export const BROADCAST_BATCH_MAX = 10_000
export const REMINDS_PER_DAY = 3

/** The customer list's own filter fields, so a broadcast reaches exactly what the list shows under the same filter. */
export const broadcastFilter = customerListInput.pick({
  channel: true,
  tagIds: true,
  tagMode: true,
  followUserid: true,
  addedFrom: true,
  addedTo: true,
  status: true,
  gender: true,
})
export type BroadcastFilter = z.infer<typeof broadcastFilter>

export const broadcastTargets = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('all') }),
  z.object({ kind: z.literal('filter'), filter: broadcastFilter }),
  z.object({ kind: z.literal('ids'), customerIds: z.array(z.number().int().positive()).min(1, '请选择客户').max(100_000) }),
])
export type BroadcastTargets = z.infer<typeof broadcastTargets>

/** Images uploaded here carry `mediaRef` (our stored copy): its 3-day media_id is renewed at send time. */
export const broadcastAttachment = z.discriminatedUnion('msgtype', [
  z.object({
    msgtype: z.literal('image'),
    image: z
      .object({ media_id: z.string().min(1).optional(), pic_url: z.url().optional() })
      .refine((i) => i.media_id || i.pic_url, '图片需要 media_id 或 pic_url'),
    mediaRef: z.number().int().positive().optional(),
  }),
  z.object({ msgtype: z.literal('link'), link: linkBody }),
  z.object({ msgtype: z.literal('miniprogram'), miniprogram: miniprogramBody }),
])
export type BroadcastAttachment = z.infer<typeof broadcastAttachment>

export const BROADCAST_IMAGE_MAX_BYTES = 2 * 1024 * 1024
export const broadcastUploadImageInput = z.object({
  filename: z
    .string()
    .trim()
    .min(1)
    .max(128)
    .regex(/\.(jpe?g|png)$/i, '图片只能是 JPG 或 PNG'),
  /** The file's bytes, base64. */
  dataBase64: z
    .string()
    .min(8)
    .max(Math.ceil((BROADCAST_IMAGE_MAX_BYTES * 4) / 3) + 4, `图片不能超过 ${BROADCAST_IMAGE_MAX_BYTES / 1024 / 1024} MB`),
})
export type BroadcastUploadImageInput = z.infer<typeof broadcastUploadImageInput>

export const broadcastContent = z
  .object({
    text: z
      .string()
      .refine((s) => utf8Bytes(s) <= BROADCAST_TEXT_MAX_BYTES, `群发文字不能超过 ${BROADCAST_TEXT_MAX_BYTES} 字节`)
      .optional(),
    attachments: z.array(broadcastAttachment).max(BROADCAST_ATTACHMENTS_MAX, `附件最多 ${BROADCAST_ATTACHMENTS_MAX} 个`).default([]),
  })
  .refine((c) => (c.text && c.text.trim() !== '') || c.attachments.length > 0, { message: '群发文字和附件不能都为空', path: ['text'] })
export type BroadcastContent = z.infer<typeof broadcastContent>

export const broadcastSaveInput = z.object({
  title: z.string().trim().min(1, '请输入群发名称').max(64),
  content: broadcastContent,
  targets: broadcastTargets,
  /** Epoch ms; absent = a draft sent by hand. */
  scheduledAt: z.number().int().positive().nullable().default(null),
})
export type BroadcastSaveInput = z.infer<typeof broadcastSaveInput>

export const broadcastUpdateInput = broadcastSaveInput.extend({ id: z.number().int().positive() })
export type BroadcastUpdateInput = z.infer<typeof broadcastUpdateInput>

export const broadcastPreviewInput = z.object({ content: broadcastContent.optional(), targets: broadcastTargets })
export type BroadcastPreviewInput = z.infer<typeof broadcastPreviewInput>

export const BROADCAST_STATUSES = ['draft', 'scheduled', 'sending', 'sent', 'canceled'] as const
export type BroadcastStatus = (typeof BROADCAST_STATUSES)[number]
export const BROADCAST_STATUS_LABELS: Record<BroadcastStatus, string> = {
  draft: '草稿',
  scheduled: '定时待发',
  sending: '发送中',
  sent: '已提交',
  canceled: '已取消',
}

export const TARGET_STATUSES = ['pending', 'invalid', 'not_sent', 'sent', 'not_friend', 'over_quota'] as const
export type TargetStatus = (typeof TARGET_STATUSES)[number]
export const TARGET_STATUS_LABELS: Record<TargetStatus, string> = {
  pending: '待提交',
  invalid: '无法发送',
  not_sent: '未发送',
  sent: '已发送',
  not_friend: '非好友',
  over_quota: '超出接收上限',
}

export const broadcastListInput = pageInput.extend({ status: z.enum(BROADCAST_STATUSES).optional() })
export type BroadcastListInput = z.infer<typeof broadcastListInput>

export const broadcastTargetListInput = pageInput.extend({
  id: z.number().int().positive(),
  status: z.enum(TARGET_STATUSES).optional(),
})
export type BroadcastTargetListInput = z.infer<typeof broadcastTargetListInput>

/** The corp's receive limit for corp broadcasts: per month (as many as the month has days), 7 per week, or 1 per day. */
export const RECEIVE_LIMIT_PERIODS = ['month', 'week', 'day'] as const
export type ReceiveLimitPeriod = (typeof RECEIVE_LIMIT_PERIODS)[number]
export const RECEIVE_LIMIT_LABELS: Record<ReceiveLimitPeriod, string> = {
  month: '每月（当月天数）条',
  week: '每周 7 条',
  day: '每天 1 条',
}
export const broadcastSettingsInput = z.object({ receiveLimit: z.enum(RECEIVE_LIMIT_PERIODS) })
export type BroadcastSettingsInput = z.infer<typeof broadcastSettingsInput>

/** Days after delivery a conversion counts in, when the admin has not chosen (the funnel's 转化 stage). */
export const CONVERSION_DAYS_DEFAULT = 7
/** The lead status that counts as a conversion unless another is chosen. */
export const CONVERTED_LEAD_STATUS: LeadStatus = 'converted'

export const broadcastConversionInput = z
  .object({
    id: z.number().int().positive(),
    /** 'tag': the customer got the tag; 'lead': a 线索 with the customer's remark mobile reached the status. */
    by: z.enum(['tag', 'lead']).default('tag'),
    /** Local tag id the conversion is measured by (by = 'tag'). */
    tagId: z.number().int().positive().optional(),
    leadStatus: z.enum(LEAD_STATUSES).default(CONVERTED_LEAD_STATUS),
    days: z.number().int().min(1).max(90).default(CONVERSION_DAYS_DEFAULT),
  })
  .refine((v) => v.by !== 'tag' || v.tagId !== undefined, { message: '请选择用于统计转化的标签', path: ['tagId'] })
export type BroadcastConversionInput = z.infer<typeof broadcastConversionInput>

/** Rows per customer CSV (the most targets a broadcast takes). */
export const CUSTOMER_CSV_MAX_ROWS = 100_000
/** A CSV naming customers by external_userid or by a mobile in a staff remark; base64 of the file so GB18030 survives. */
export const customerCsvInput = z.object({ base64: z.string().min(1, '请选择 CSV 文件').max(8_000_000, 'CSV 文件不能超过 6 MB') })
export type CustomerCsvInput = z.infer<typeof customerCsvInput>
