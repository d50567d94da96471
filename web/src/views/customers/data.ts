// 客户: list and 流失客户 columns, filter options, the remark form, and Chinese labels for the profile and its timeline.
import type { FormRules } from 'element-plus'
import {
  ADD_WAY_LABELS,
  CUSTOMER_STATUS_LABELS,
  FOLLOW_STATUS_LABELS,
  GENDER_LABELS,
  customerUpdateRemarkInput,
  type CustomerExportFilter,
} from '../../../../shared/schemas/customer'
import type { TableColumn } from '../../components/table-column'
import type { CustomerFollow, CustomerRow, CustomerSort, TimelineItem } from '../../stores/customers'
import { formatDateTime } from '../../utils/format'
import { zodRules } from '../../utils/zod-rule'

export { ADD_WAY_LABELS, CUSTOMER_STATUS_LABELS, FOLLOW_STATUS_LABELS, GENDER_LABELS }

export const CUSTOMER_TYPE_LABELS: Record<number, string> = { 1: '微信用户', 2: '企业微信用户' }
export const FOLLOW_STATUS_TAG: Record<CustomerFollow['status'], 'success' | 'danger' | 'info'> = {
  active: 'success',
  lost: 'danger',
  deleted: 'info',
}
export const LEAD_STATUS_LABELS: Record<string, string> = { new: '新线索', contacted: '已联系', converted: '已转化', closed: '已关闭' }
export const LEAD_SOURCE_LABELS: Record<string, string> = { wecom: '企业微信', oa: '公众号' }

export const addWayLabel = (code: number) => ADD_WAY_LABELS[code] ?? `其他（${code}）`

/**
 * The avatar's fallback letter. el-table-column also renders every cell slot once with an empty row (to find nested
 * columns), so a nested component's slot can see `name` undefined.
 */
export const initial = (name: string | undefined) => (name ?? '').slice(0, 1)

export const SORT_OPTIONS: { value: CustomerSort; label: string }[] = [
  { value: 'firstAddedAt:desc', label: '添加时间（最新在前）' },
  { value: 'firstAddedAt:asc', label: '添加时间（最早在前）' },
  { value: 'name:asc', label: '姓名（A→Z）' },
  { value: 'name:desc', label: '姓名（Z→A）' },
]
export const GENDER_OPTIONS = ([1, 2, 0] as const).map((value) => ({ value, label: GENDER_LABELS[value] }))
export const STATUS_OPTIONS = (['active', 'lost'] as const).map((value) => ({ value, label: CUSTOMER_STATUS_LABELS[value] }))

export function customerColumns(): TableColumn<CustomerRow>[] {
  return [
    { key: 'customer', label: '客户', slot: 'customer', minWidth: 200 },
    {
      key: 'channel',
      label: '渠道',
      formatter: (r) => r.channelName ?? (r.channelState ? `${r.channelState}（未归属）` : '—'),
      minWidth: 110,
    },
    { key: 'tags', label: '标签', slot: 'tags', minWidth: 240 },
    { key: 'follows', label: '跟进员工', slot: 'follows', minWidth: 200 },
    { key: 'status', label: '状态', slot: 'status', width: 90 },
    { key: 'firstAddedAt', label: '添加时间', formatter: (r) => formatDateTime(r.firstAddedAt), width: 170 },
  ]
}

// ---------------------------------------------------------------- export

/**
 * Downloads the export of the current filters (the session cookie authenticates it). Read through fetch rather than
 * a link, so a refusal arrives as its Chinese message instead of a downloaded error page. Returns the file name.
 */
export async function downloadExport(format: 'csv' | 'xlsx', filter: CustomerExportFilter): Promise<string> {
  const url = `/api/customers/export.${format}?filter=${encodeURIComponent(JSON.stringify(filter))}`
  let res: Response
  try {
    res = await fetch(url, { credentials: 'same-origin' })
  } catch {
    throw new Error('导出失败：无法连接服务器，请检查网络后重试')
  }
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { error?: string } | null
    throw new Error(body?.error ?? `导出失败（HTTP ${res.status}），请稍后重试`)
  }
  let blob: Blob
  try {
    blob = await res.blob()
  } catch {
    throw new Error('导出中断：连接在下载途中断开，请重试')
  }
  const disposition = res.headers.get('Content-Disposition') ?? ''
  const star = /filename\*=UTF-8''([^;]+)/.exec(disposition)
  const name = star ? decodeURIComponent(star[1]) : `客户列表.${format}`
  const href = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = href
  a.download = name
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(href), 10_000)
  return name
}

// ---------------------------------------------------------------- remark form

export function remarkFormFrom(f: CustomerFollow) {
  return { remark: f.remark, description: f.description, remarkMobiles: [...f.remarkMobiles] }
}
export type RemarkForm = ReturnType<typeof remarkFormFrom>

export function remarkFormRules(): FormRules<RemarkForm> {
  return zodRules(customerUpdateRemarkInput.shape, ['remark', 'description', 'remarkMobiles'])
}

/** Only what changed goes to WeCom; null when nothing did. */
export function remarkChanges(before: CustomerFollow, form: RemarkForm) {
  const out: { remark?: string; description?: string; remarkMobiles?: string[] } = {}
  if (form.remark.trim() !== before.remark) out.remark = form.remark.trim()
  if (form.description.trim() !== before.description) out.description = form.description.trim()
  const mobiles = form.remarkMobiles.map((m) => m.trim()).filter(Boolean)
  if (mobiles.join('\n') !== before.remarkMobiles.join('\n')) out.remarkMobiles = mobiles
  return Object.keys(out).length ? out : null
}

// ---------------------------------------------------------------- timeline

/** ChangeTypes of `change_external_contact` (fact sheet B.6). */
const CONTACT_EVENT_LABELS: Record<string, string> = {
  add_external_contact: '添加客户',
  add_half_external_contact: '添加客户（待员工通过）',
  edit_external_contact: '编辑',
  del_external_contact: '员工删除客户',
  del_follow_user: '客户删除员工',
  transfer_fail: '客户接替失败',
  msg_audit_approved: '同意会话存档',
}
const EVENT_TYPE: Record<string, 'success' | 'danger' | 'primary' | 'warning' | 'info'> = {
  add_external_contact: 'success',
  add_half_external_contact: 'success',
  del_external_contact: 'danger',
  del_follow_user: 'danger',
  transfer_fail: 'warning',
  edit_external_contact: 'primary',
}
export const EVENT_STATUS_LABELS: Record<string, string> = {
  pending: '处理中',
  held: '暂存',
  processed: '已处理',
  ignored: '已忽略',
  failed: '处理失败',
}
const MESSAGE_TYPE_LABELS: Record<string, string> = {
  text: '文本',
  image: '图片',
  voice: '语音',
  video: '视频',
  file: '文件',
  link: '链接',
  location: '位置',
}

export function timelineLabel(item: TimelineItem): string {
  if (item.kind === 'message') return '消息'
  if (item.event === 'change_external_tag') return '标签变更'
  if (item.event === 'change_external_contact') return CONTACT_EVENT_LABELS[item.changeType] ?? `客户变更（${item.changeType}）`
  return item.event || item.msgType
}

export function timelineType(item: TimelineItem): 'success' | 'danger' | 'primary' | 'warning' | 'info' {
  if (item.kind === 'message') return 'info'
  if (item.event === 'change_external_tag') return 'warning'
  return EVENT_TYPE[item.changeType] ?? 'primary'
}

/** A message's text, or "[图片]" for media. */
export function messageText(item: Extract<TimelineItem, { kind: 'message' }>): string {
  if (item.msgType === 'text') return item.content
  return `[${MESSAGE_TYPE_LABELS[item.msgType] ?? item.msgType}]${item.content && item.msgType !== 'image' ? ` ${item.content}` : ''}`
}
