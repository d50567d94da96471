// 联系我: table columns, the create/edit form (model, rules from `contactWayCreateInput`, conversions) and stats helpers.
import type { FormItemRule, FormRules } from 'element-plus'
import { z, type ZodType } from 'zod'
import {
  contactWayCreateInput,
  contactWayRuleIssues,
  linkBody,
  MAX_EXPIRES_SEC,
  miniprogramBody,
  type ContactWayCreateInput,
  type ContactWayUpdateInput,
  type WelcomeAttachment,
  type WelcomeMessage,
  type Conclusions,
} from '../../../../shared/schemas/contact-way'
import type { TableColumn } from '../../components/table-column'
import type { ContactWayRow } from '../../stores/contact-ways'
import { formatDateTime } from '../../utils/format'
import { zodRule } from '../../utils/zod-rule'

export const TYPE_LABELS: Record<1 | 2, string> = { 1: '单人', 2: '多人' }
export const ATTACHMENT_LABELS = { link: '链接', image: '图片', miniprogram: '小程序' } as const
export type AttachmentKind = keyof typeof ATTACHMENT_LABELS
export const MAX_ATTACHMENTS = 9

/** Counters of the form's limited fields, as the schemas count: WeCom limits the welcome text in UTF-8 bytes, names in characters. */
const encoder = new TextEncoder()
export const utf8Length = (s: string) => encoder.encode(s).length
export const charLength = (s: string) => [...s].length

/** The download route sends the PNG with Content-Disposition: attachment (session cookie). */
export const qrDownloadUrl = (id: number) => `/api/contact-ways/${id}/qr.png`

/**
 * Sized to fit 1280 px with the menu open, so the fixed 操作 column never covers a column: the type sits with the
 * channel, the counts share one column (累计 above, 近30天 below), and the actions wrap onto two lines.
 */
export function contactWayColumns(): TableColumn<ContactWayRow>[] {
  return [
    { key: 'channel', label: '渠道名称', slot: 'channel', minWidth: 170 },
    { key: 'state', label: 'state', slot: 'state', minWidth: 110, ellipsis: true },
    { key: 'users', label: '使用成员', slot: 'users', minWidth: 120, ellipsis: true },
    // 累计 since the code exists; 近30天 is the window the stats dialog opens with, so both read the same numbers.
    { key: 'counts', label: '新增 / 流失 / 净增', slot: 'counts', minWidth: 150 },
    { key: 'createdAt', label: '创建时间', formatter: (r) => formatDateTime(r.createdAt), minWidth: 160 },
    { key: 'actions', label: '操作', slot: 'actions', width: 200, fixed: 'right' },
  ]
}

// ---------------------------------------------------------------- form

export function emptyAttachment(kind: AttachmentKind = 'link') {
  return { msgtype: kind, title: '', url: '', desc: '', picurl: '', appid: '', page: '', picMediaId: '' }
}
export type AttachmentForm = ReturnType<typeof emptyAttachment>

export function emptyWayForm() {
  return {
    channelName: '',
    state: '',
    type: 1 as 1 | 2,
    scene: 2 as 1 | 2,
    style: 1,
    userIds: [] as string[],
    skipVerify: true,
    isExclusive: false,
    isTemp: false,
    expires: { days: 7, hours: 0 },
    chatExpires: { days: 1, hours: 0 },
    unionid: '',
    conclusionText: '',
    conclusionLink: { title: '', url: '', desc: '', picurl: '' },
    welcomeText: '',
    attachments: [] as AttachmentForm[],
    tagIds: [] as string[],
    remark: '',
  }
}
export type WayForm = ReturnType<typeof emptyWayForm>

export interface Duration {
  days: number
  hours: number
}
export const toSeconds = (d: Duration) => (d.days || 0) * 86400 + (d.hours || 0) * 3600
export function fromSeconds(s: number | null | undefined, fallback: Duration): Duration {
  if (!s) return { ...fallback }
  return { days: Math.floor(s / 86400), hours: Math.round((s % 86400) / 3600) }
}

/** A stored way as the form edits it. */
export function formFromRow(row: ContactWayRow): WayForm {
  const f = emptyWayForm()
  const link = row.conclusions?.link
  return {
    ...f,
    channelName: row.channelName,
    state: row.state,
    type: row.type,
    scene: row.scene,
    style: row.style ?? 1,
    userIds: [...row.userIds],
    skipVerify: row.skipVerify,
    isExclusive: row.isExclusive,
    isTemp: row.isTemp,
    expires: fromSeconds(row.expiresIn, f.expires),
    chatExpires: fromSeconds(row.chatExpiresIn, f.chatExpires),
    unionid: row.unionid ?? '',
    conclusionText: row.conclusions?.text?.content ?? '',
    conclusionLink: { title: link?.title ?? '', url: link?.url ?? '', desc: link?.desc ?? '', picurl: link?.picurl ?? '' },
    welcomeText: row.welcome?.text ?? '',
    attachments: (row.welcome?.attachments ?? []).flatMap((a) => attachmentToForm(a)),
    tagIds: [...row.tagIds],
    remark: row.remark,
  }
}

/** Video and file attachments (media ids only) are not editable here; they are kept as they are. */
function attachmentToForm(a: WelcomeAttachment): AttachmentForm[] {
  if (a.msgtype === 'link')
    return [{ ...emptyAttachment('link'), title: a.link.title, url: a.link.url, desc: a.link.desc ?? '', picurl: a.link.picurl ?? '' }]
  if (a.msgtype === 'image' && a.image.pic_url) return [{ ...emptyAttachment('image'), picurl: a.image.pic_url }]
  if (a.msgtype === 'miniprogram')
    return [
      {
        ...emptyAttachment('miniprogram'),
        title: a.miniprogram.title,
        appid: a.miniprogram.appid,
        page: a.miniprogram.page,
        picMediaId: a.miniprogram.pic_media_id,
      },
    ]
  return []
}

const blank = (s: string) => (s.trim() === '' ? undefined : s.trim())

function attachmentFromForm(a: AttachmentForm): WelcomeAttachment {
  if (a.msgtype === 'image') return { msgtype: 'image', image: { pic_url: a.picurl.trim() } }
  if (a.msgtype === 'miniprogram')
    return {
      msgtype: 'miniprogram',
      miniprogram: { title: a.title.trim(), appid: a.appid.trim(), page: a.page.trim(), pic_media_id: a.picMediaId.trim() },
    }
  return { msgtype: 'link', link: { title: a.title.trim(), url: a.url.trim(), desc: blank(a.desc), picurl: blank(a.picurl) } }
}

/** Media-only attachments of the stored way that the form does not show, sent back unchanged on save. */
export function keptAttachments(row: ContactWayRow | null): WelcomeAttachment[] {
  return (row?.welcome?.attachments ?? []).filter(
    (a) => a.msgtype === 'video' || a.msgtype === 'file' || (a.msgtype === 'image' && !a.image.pic_url),
  )
}

export function welcomeFromForm(f: WayForm, kept: WelcomeAttachment[] = []): WelcomeMessage | undefined {
  const attachments = [...f.attachments.map(attachmentFromForm), ...kept]
  const text = f.welcomeText.trim() ? f.welcomeText : undefined
  return text || attachments.length ? { text, attachments } : undefined
}

export function conclusionsFromForm(f: WayForm): Conclusions | undefined {
  const c: Conclusions = {}
  if (f.conclusionText.trim()) c.text = { content: f.conclusionText }
  const l = f.conclusionLink
  if (l.title.trim() || l.url.trim()) c.link = { title: l.title.trim(), url: l.url.trim(), desc: blank(l.desc), picurl: blank(l.picurl) }
  return Object.keys(c).length ? c : undefined
}

export function toCreateInput(f: WayForm, kept: WelcomeAttachment[] = []): ContactWayCreateInput {
  return {
    channelName: f.channelName.trim(),
    state: f.state.trim(),
    type: f.type,
    scene: f.scene,
    style: f.scene === 1 ? f.style : undefined,
    remark: f.remark.trim(),
    skipVerify: f.skipVerify,
    userIds: f.type === 1 ? f.userIds.slice(0, 1) : f.userIds,
    partyIds: [],
    isTemp: f.isTemp,
    expiresIn: f.isTemp ? toSeconds(f.expires) : undefined,
    chatExpiresIn: f.isTemp ? toSeconds(f.chatExpires) : undefined,
    unionid: f.isTemp ? blank(f.unionid) : undefined,
    isExclusive: f.isExclusive,
    conclusions: f.isTemp ? conclusionsFromForm(f) : undefined,
    welcome: welcomeFromForm(f, kept),
    tagIds: f.tagIds,
  }
}

/** Every editable field (type, scene, temp mode and 同企业专属 are fixed after creation); no welcome = remove it. */
export function toUpdateInput(id: number, f: WayForm, row: ContactWayRow): ContactWayUpdateInput {
  const c = toCreateInput(f, keptAttachments(row))
  return {
    id,
    channelName: c.channelName,
    state: c.state,
    style: row.scene === 1 ? f.style : undefined,
    remark: c.remark,
    skipVerify: c.skipVerify,
    userIds: row.type === 1 ? f.userIds.slice(0, 1) : f.userIds,
    expiresIn: row.isTemp ? c.expiresIn : undefined,
    chatExpiresIn: row.isTemp ? c.chatExpiresIn : undefined,
    unionid: row.isTemp ? c.unionid : undefined,
    conclusions: row.isTemp ? conclusionsFromForm(f) : undefined,
    welcome: c.welcome ?? null,
    tagIds: c.tagIds,
  }
}

// ---------------------------------------------------------------- rules

const shape = contactWayCreateInput.shape
const IMAGE_URL = z.url('图片地址不正确').max(2048)

/** Runs the platform's cross-field rules (shared with the server) and reports the issue for one path. */
function crossFieldRule(f: WayForm, path: string, trigger: FormItemRule['trigger'] = 'change'): FormItemRule {
  return {
    trigger,
    validator: (_r, _v, cb) => {
      const issue = contactWayRuleIssues({ type: f.type, isTemp: f.isTemp, userIds: f.userIds, partyIds: [] }).find((i) => i.path === path)
      if (issue) cb(new Error(issue.message))
      else cb()
    },
  }
}

function durationRule(d: () => Duration, schema: ZodType, label: string): FormItemRule {
  return {
    trigger: 'change',
    validator: (_r, _v, cb) => {
      const s = toSeconds(d())
      if (s <= 0) return cb(new Error(`请设置${label}`))
      const r = schema.safeParse(s)
      if (!r.success) return cb(new Error(s > MAX_EXPIRES_SEC ? `${label}最长 14 天` : (r.error.issues[0]?.message ?? `${label}无效`)))
      cb()
    },
  }
}

/** A rule for one field of a welcome attachment row. */
function attachmentRule(schema: ZodType, blankOk = false): FormItemRule[] {
  const rule = zodRule(schema)
  if (!blankOk) return [rule]
  return [{ ...rule, validator: (r, v, cb, source, options) => (v === '' ? cb() : rule.validator!(r, v, cb, source, options)) }]
}

/** The whole welcome message, for the rules no single field shows (size, at most 9). */
function welcomeRule(f: WayForm): FormItemRule {
  return {
    trigger: 'blur',
    validator: (_r, _v, cb) => {
      const w = welcomeFromForm(f)
      if (!w) return cb()
      const r = shape.welcome.safeParse(w)
      if (r.success) return cb()
      // Field-level problems are shown next to their field; here only the text size and the count matter.
      const issue = r.error.issues.find((i) => i.path[0] === 'text' || (i.path[0] === 'attachments' && i.path.length === 1))
      if (issue) cb(new Error(issue.message))
      else cb()
    },
  }
}

export function wayFormRules(f: WayForm): FormRules {
  const link = linkBody.shape
  const mini = miniprogramBody.shape
  const rules: FormRules = {
    // `required` on a rule with its own validator only draws the mark; the shared schema still does the checking.
    channelName: [{ ...zodRule(shape.channelName), required: true }],
    state: [{ ...zodRule(shape.state), required: true }],
    style: [zodRule(shape.style, 'change')],
    remark: [zodRule(shape.remark)],
    userIds: [zodRule(shape.userIds, 'change'), crossFieldRule(f, 'userIds')],
    isTemp: [crossFieldRule(f, 'isTemp')],
    expires: [durationRule(() => f.expires, shape.expiresIn, '二维码有效期')],
    chatExpires: [durationRule(() => f.chatExpires, shape.chatExpiresIn, '会话有效期')],
    unionid: [zodRule(shape.unionid)],
    welcomeText: [welcomeRule(f)],
    conclusionText: [
      {
        trigger: 'blur',
        validator: (_r, _v, cb) => {
          const c = conclusionsFromForm(f)
          const r = c ? shape.conclusions.safeParse(c) : null
          cb(r && !r.success ? new Error(r.error.issues[0]?.message ?? '结束语无效') : undefined)
        },
      },
    ],
    'conclusionLink.title': [
      {
        trigger: 'blur',
        validator: (_r, v: string, cb) => (f.conclusionLink.url.trim() && !v.trim() ? cb(new Error('请输入链接标题')) : cb()),
      },
      ...attachmentRule(link.title, true),
    ],
    'conclusionLink.url': [
      {
        trigger: 'blur',
        validator: (_r, v: string, cb) => (f.conclusionLink.title.trim() && !v.trim() ? cb(new Error('请输入链接地址')) : cb()),
      },
      ...attachmentRule(link.url, true),
    ],
    'conclusionLink.picurl': attachmentRule(link.picurl.unwrap(), true),
  }
  f.attachments.forEach((a, i) => {
    const p = `attachments.${i}`
    if (a.msgtype === 'link') {
      rules[`${p}.title`] = attachmentRule(link.title)
      rules[`${p}.url`] = attachmentRule(link.url)
      rules[`${p}.picurl`] = attachmentRule(link.picurl.unwrap(), true)
      rules[`${p}.desc`] = attachmentRule(link.desc.unwrap(), true)
    } else if (a.msgtype === 'image') {
      rules[`${p}.picurl`] = [{ required: true, message: '请输入图片地址', trigger: 'blur' }, ...attachmentRule(IMAGE_URL)]
    } else {
      rules[`${p}.title`] = [{ required: true, message: '请输入小程序标题', trigger: 'blur' }, ...attachmentRule(mini.title)]
      rules[`${p}.appid`] = [{ required: true, message: '请输入小程序 AppID', trigger: 'blur' }, ...attachmentRule(mini.appid)]
      rules[`${p}.page`] = [{ required: true, message: '请输入小程序页面路径', trigger: 'blur' }, ...attachmentRule(mini.page)]
      rules[`${p}.picMediaId`] = [{ required: true, message: '请输入封面 media_id', trigger: 'blur' }, ...attachmentRule(mini.pic_media_id)]
    }
  })
  return rules
}

/** The attachment kinds the 欢迎语 editor offers (video/file need uploaded media, which the admin cannot do yet). */
export const ATTACHMENT_KINDS = Object.keys(ATTACHMENT_LABELS) as AttachmentKind[]

// ---------------------------------------------------------------- stats

const DAY_MS = 86_400_000

/** [start of the day 29 days ago, start of today] in the browser's zone: the last 30 days. */
export function lastDays(n = 30, now = new Date()): [number, number] {
  const today = new Date(now.getFullYear(), now.getMonth(), now.getDate()).getTime()
  return [today - (n - 1) * DAY_MS, today]
}

/** The picker's days → the procedure's inclusive epoch-ms range. */
export function statsRange(range: [number, number]): { from: number; to: number } {
  // value-format="x" pickers hand back epoch ms; Number() also accepts the string form.
  return { from: Number(range[0]), to: Number(range[1]) + DAY_MS - 1 }
}
