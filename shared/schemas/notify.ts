// Notifications out: the eight scenes, their variables, per-org 通知设置, and the list inputs of 通知记录 / 站内信 / 公告.
import { z } from 'zod'
import { pageInput } from './common'

export const SCENES = [
  'intent',
  'task_complete',
  'unanswered_run',
  'line_error',
  'announcement',
  'low_balance',
  'recharge',
  'expiry',
] as const
export type Scene = (typeof SCENES)[number]
export const sceneEnum = z.enum(SCENES)

export const SCENE_LABELS: Record<Scene, string> = {
  intent: '意向客户',
  task_complete: '任务完成',
  unanswered_run: '连续未接通警报',
  line_error: '线路报错',
  announcement: '公告',
  low_balance: '余额不足',
  recharge: '充值到账',
  expiry: '账户到期',
}

/** Scenes whose table row has an SMS text (意向客户 sends SMS when its push config says so). */
export const SMS_SCENES: readonly Scene[] = ['intent', 'low_balance', 'recharge', 'expiry']

/** What a template key can be filled with; `literal` takes the mapping's fixed text. */
export const SCENE_VARS = [
  'org_name',
  'title',
  'content',
  'time',
  'customer_phone',
  'customer_name',
  'level',
  'balance',
  'threshold',
  'amount',
  'expiry_date',
  'total',
  'batch_time',
  'serial',
  'literal',
  'none',
] as const
export type SceneVar = (typeof SCENE_VARS)[number]

export const SCENE_VAR_LABELS: Record<SceneVar, string> = {
  org_name: '机构名称',
  title: '消息类型',
  content: '推送内容',
  time: '通知时间',
  customer_phone: '客户号码',
  customer_name: '客户名称',
  level: '意向等级',
  balance: '余额',
  threshold: '阈值',
  amount: '金额',
  expiry_date: '到期日',
  total: '号码数',
  batch_time: '任务创建时间',
  serial: '通知编号',
  literal: '固定文字',
  none: '不填',
}

export const keyMapping = z.object({ var: z.enum(SCENE_VARS), text: z.string().max(100).optional() })
export type KeyMapping = z.infer<typeof keyMapping>

const optionalText = (max: number) => z.string().trim().max(max).optional()

export const sceneSettings = z.object({
  inbox: z.boolean(),
  template: z.boolean(),
  sms: z.boolean(),
  /** The account's template used for this scene; none: the template channel has nothing to send. */
  templateId: optionalText(64),
  /** template key → what fills it; keys not named get the suggested mapping. */
  mapping: z.record(z.string().max(64), keyMapping).default({}),
  smsTemplateId: optionalText(32),
  /** 【签名】 of this scene's SMS; empty: the one in 短信配置. */
  smsSignName: optionalText(12),
  jumpUrl: z.union([z.literal(''), z.url().max(512)]).optional(),
  miniAppId: optionalText(64),
  miniPagePath: optionalText(256),
})
export type SceneSettings = z.infer<typeof sceneSettings>

export const notifyThresholds = z.object({
  /** 余额不足 below this (yuan). */
  lowBalance: z.number().min(0).max(1_000_000),
  /** 连续未接通 / 线路报错 run lengths (the rule keeps this many call times). */
  unansweredRun: z.number().int().min(2).max(1000),
  lineErrorRun: z.number().int().min(2).max(1000),
  /** 账户到期: warn this many days ahead. */
  expiryDays: z.number().int().min(1).max(90),
})
export type NotifyThresholds = z.infer<typeof notifyThresholds>

export const notifySettings = z.object({
  scenes: z.object(Object.fromEntries(SCENES.map((s) => [s, sceneSettings])) as Record<Scene, typeof sceneSettings>),
  thresholds: notifyThresholds,
})
export type NotifySettings = z.infer<typeof notifySettings>

export const notifySettingsSaveInput = notifySettings
export type NotifySettingsSaveInput = z.infer<typeof notifySettingsSaveInput>

/** The seed rules: every channel the table names for the scene on; thresholds as seeded. */
export function defaultNotifySettings(): NotifySettings {
  const scene = (sms: boolean): SceneSettings => ({ inbox: true, template: true, sms, mapping: {} })
  return {
    scenes: {
      intent: scene(true),
      task_complete: scene(false),
      unanswered_run: scene(false),
      line_error: scene(false),
      announcement: scene(false),
      low_balance: scene(true),
      recharge: scene(true),
      expiry: scene(true),
    },
    thresholds: { lowBalance: 100, unansweredRun: 100, lineErrorRun: 100, expiryDays: 7 },
  }
}

export const previewInput = z.object({ scene: sceneEnum, templateId: z.string().min(1).max(64), mapping: z.record(z.string(), keyMapping) })
export type PreviewInput = z.infer<typeof previewInput>

export const DELIVERY_CHANNELS = ['inbox', 'template', 'sms'] as const
export const DELIVERY_STATUSES = ['pending', 'sent', 'delivered', 'failed'] as const

export const notificationListInput = pageInput.extend({
  scene: sceneEnum.optional(),
  channel: z.enum(DELIVERY_CHANNELS).optional(),
  status: z.enum(DELIVERY_STATUSES).optional(),
  /** epoch ms, inclusive / exclusive */
  from: z.number().int().optional(),
  to: z.number().int().optional(),
})
export type NotificationListInput = z.infer<typeof notificationListInput>

export const inboxListInput = pageInput.extend({ unreadOnly: z.boolean().optional() })
export type InboxListInput = z.infer<typeof inboxListInput>

export const ANNOUNCEMENT_KINDS = ['upgrade', 'service'] as const
export const ANNOUNCEMENT_KIND_LABELS: Record<(typeof ANNOUNCEMENT_KINDS)[number], string> = { upgrade: '升级通知', service: '服务通知' }

export const announcementPublishInput = z.object({
  kind: z.enum(ANNOUNCEMENT_KINDS),
  title: z.string().trim().min(1, '请输入标题').max(20, '标题最多 20 个字'),
  content: z.string().trim().min(1, '请输入内容').max(5000),
})
export type AnnouncementPublishInput = z.infer<typeof announcementPublishInput>
