// 「联系我」 contact way form and the welcome message / conclusions it carries; limits mirror WeCom's.
import { z } from 'zod'

const utf8Bytes = (s: string) => new TextEncoder().encode(s).length
const maxBytes = (n: number, label: string) => z.string().refine((s) => utf8Bytes(s) <= n, `${label}不能超过 ${n} 字节`)

export const MAX_EXPIRES_SEC = 14 * 86400

export const linkBody = z.object({
  title: z.string().min(1, '请输入链接标题').pipe(maxBytes(128, '链接标题')),
  picurl: z.url().max(2048).optional(),
  desc: maxBytes(512, '链接描述').optional(),
  url: z.url('链接地址不正确').max(2048),
})
export const miniprogramBody = z.object({
  title: z.string().min(1).pipe(maxBytes(64, '小程序标题')),
  pic_media_id: z.string().min(1),
  appid: z.string().min(1).max(64),
  page: z.string().min(1).max(1024),
})

export const welcomeAttachment = z.discriminatedUnion('msgtype', [
  z.object({
    msgtype: z.literal('image'),
    image: z
      .object({ media_id: z.string().min(1).optional(), pic_url: z.url().optional() })
      .refine((i) => i.media_id || i.pic_url, '图片需要 media_id 或 pic_url'),
  }),
  z.object({ msgtype: z.literal('link'), link: linkBody }),
  z.object({ msgtype: z.literal('miniprogram'), miniprogram: miniprogramBody }),
  z.object({ msgtype: z.literal('video'), video: z.object({ media_id: z.string().min(1) }) }),
  z.object({ msgtype: z.literal('file'), file: z.object({ media_id: z.string().min(1) }) }),
])
export type WelcomeAttachment = z.infer<typeof welcomeAttachment>

/** Sent with the welcome_code when a customer adds staff through this contact way (send_welcome_msg). */
export const welcomeMessage = z
  .object({
    text: maxBytes(4000, '欢迎语').optional(),
    attachments: z.array(welcomeAttachment).max(9, '附件最多 9 个').default([]),
  })
  .refine((w) => (w.text && w.text.trim() !== '') || w.attachments.length > 0, '欢迎语文字和附件不能都为空')
export type WelcomeMessage = z.infer<typeof welcomeMessage>

/** 结束语 of a temporary chat. */
export const conclusions = z
  .object({
    text: z.object({ content: maxBytes(4000, '结束语') }).optional(),
    image: z.object({ media_id: z.string().min(1) }).optional(),
    link: linkBody.optional(),
    miniprogram: miniprogramBody.optional(),
  })
  .refine((c) => c.text?.content || c.image || c.link || c.miniprogram, '结束语不能为空')
export type Conclusions = z.infer<typeof conclusions>

/** Characters as a person (and WeCom's "≤ 30 字") counts them: code points, so an emoji is one, not two. */
const charCount = (s: string) => [...s].length
const maxChars = (n: number, message: string) =>
  z
    .string()
    .trim()
    .refine((s) => charCount(s) <= n, message)

/** Every field without defaults: create adds the defaults, update must not (an omitted field stays as it is). */
const contactWayFields = z.object({
  /** The channel as people call it (小红书, 抖音 …); becomes the CRM tag 来源:企业微信-<渠道名>. */
  channelName: z.string().trim().min(1, '请输入渠道名称').pipe(maxChars(30, '渠道名称最多 30 个字')),
  /** WeCom `state`: comes back with every customer who scans; unique per org. */
  state: z
    .string()
    .trim()
    .min(1, '请输入渠道标识 state')
    .max(30, '渠道标识 state 最多 30 个字符')
    .regex(/^[A-Za-z0-9_\-.]+$/, '渠道标识只能包含字母、数字和 _ - .'),
  type: z.union([z.literal(1), z.literal(2)]),
  scene: z.union([z.literal(1), z.literal(2)]),
  style: z.number().int().min(1).max(20).optional(),
  remark: maxChars(30, '备注最多 30 个字'),
  skipVerify: z.boolean(),
  userIds: z.array(z.string().min(1).max(64)).max(100, '使用成员最多 100 人'),
  partyIds: z.array(z.number().int().positive()).max(100),
  isTemp: z.boolean(),
  expiresIn: z.number().int().min(60).max(MAX_EXPIRES_SEC, '有效期最长 14 天').optional(),
  chatExpiresIn: z.number().int().min(60).max(MAX_EXPIRES_SEC, '会话有效期最长 14 天').optional(),
  unionid: z.string().max(64).optional(),
  isExclusive: z.boolean(),
  conclusions: conclusions.optional(),
  welcome: welcomeMessage.optional(),
  /** WeCom corp tag ids put on every customer who scans. */
  tagIds: z.array(z.string().min(1).max(64)).max(100),
})

/** What the platform's cross-field rules look at; for an update, the stored way merged with the change. */
export interface ContactWayRuleSubject {
  type?: 1 | 2
  isTemp?: boolean
  userIds?: string[]
  partyIds?: number[]
  expiresIn?: number
  chatExpiresIn?: number
  conclusions?: unknown
  unionid?: string
}

/** The platform's cross-field rules, so a request WeCom would refuse never leaves the admin (the server re-applies them on update). */
export function contactWayRuleIssues(v: ContactWayRuleSubject): { path: string; message: string }[] {
  const issues: { path: string; message: string }[] = []
  const users = v.userIds ?? []
  const parties = v.partyIds ?? []
  if (v.type === 1 && (users.length !== 1 || parties.length > 0))
    issues.push({ path: 'userIds', message: '单人类型必须且只能选择 1 名成员' })
  if (v.type === 2 && users.length + parties.length === 0) issues.push({ path: 'userIds', message: '请至少选择一名成员或一个部门' })
  if (v.isTemp) {
    if (v.type !== 1) issues.push({ path: 'isTemp', message: '临时会话只能是单人类型' })
  } else {
    for (const f of ['expiresIn', 'chatExpiresIn', 'conclusions', 'unionid'] as const) {
      if (v[f] !== undefined) issues.push({ path: f, message: '仅临时会话可设置此项' })
    }
  }
  return issues
}

export const contactWayCreateInput = contactWayFields
  .extend({
    scene: contactWayFields.shape.scene.default(2),
    remark: contactWayFields.shape.remark.default(''),
    skipVerify: contactWayFields.shape.skipVerify.default(true),
    userIds: contactWayFields.shape.userIds.default([]),
    partyIds: contactWayFields.shape.partyIds.default([]),
    isTemp: contactWayFields.shape.isTemp.default(false),
    isExclusive: contactWayFields.shape.isExclusive.default(false),
    tagIds: contactWayFields.shape.tagIds.default([]),
  })
  .superRefine((v, ctx) => {
    for (const i of contactWayRuleIssues(v)) ctx.addIssue({ code: 'custom', path: [i.path], message: i.message })
  })
export type ContactWayCreateInput = z.infer<typeof contactWayCreateInput>

/**
 * Type, scene and temp mode cannot change after creation, and update_contact_way has no is_exclusive;
 * everything else can. Omitted fields keep their value; `welcome: null` removes the welcome message.
 */
export const contactWayUpdateInput = contactWayFields
  .omit({ type: true, scene: true, isTemp: true, isExclusive: true })
  .partial()
  .extend({ id: z.number().int().positive(), welcome: welcomeMessage.nullable().optional() })
export type ContactWayUpdateInput = z.infer<typeof contactWayUpdateInput>

export const CHANNEL_PRESETS = [
  { channelName: '小红书', state: 'xiaohongshu' },
  { channelName: '抖音', state: 'douyin' },
  { channelName: '朋友圈', state: 'pengyouquan' },
  { channelName: '百度', state: 'baidu' },
  { channelName: '线下门店', state: 'offline' },
] as const

/** The CRM tag a customer gets for the channel they came through. */
export const sourceTagName = (channelName: string) => `来源:企业微信-${channelName}`
export const SOURCE_TAG_GROUP = '来源'
