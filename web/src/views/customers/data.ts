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
import type { Component } from 'vue'
import {
  ChatDotRound,
  ChatLineRound,
  CircleClose,
  Delete,
  EditPen,
  Iphone,
  PriceTag,
  Promotion,
  RefreshRight,
  UserFilled,
} from '@element-plus/icons-vue'
import type { CustomerFollow, CustomerRow, CustomerSort } from '../../stores/customers'
import type { RouterOutputs } from '../../trpc'
import type { TimelineKind } from '../../../../shared/schemas/customer-timeline'
import { TARGET_STATUS_LABELS, type TargetStatus } from '../../../../shared/schemas/broadcast'
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

export type TimelineEntry = RouterOutputs['customers']['timeline']['items'][number]

const TIMELINE_ICONS: Record<TimelineKind, Component> = {
  added: UserFilled,
  re_added: RefreshRight,
  welcome: ChatDotRound,
  tag_added: PriceTag,
  tag_removed: PriceTag,
  remark: EditPen,
  description: EditPen,
  mobiles: Iphone,
  lost: CircleClose,
  deleted: Delete,
  broadcast: Promotion,
  message: ChatLineRound,
}

export const timelineIcon = (e: TimelineEntry): Component => TIMELINE_ICONS[e.kind]

export function timelineType(e: TimelineEntry): 'success' | 'danger' | 'primary' | 'warning' | 'info' {
  switch (e.kind) {
    case 'added':
    case 're_added':
      return 'success'
    case 'lost':
    case 'deleted':
      return 'danger'
    case 'welcome':
      return e.status === 'sent' ? 'success' : e.status === 'sending' ? 'info' : 'warning'
    case 'broadcast':
      return e.status === 'sent' ? 'success' : e.status === 'pending' ? 'info' : 'warning'
    case 'message':
      return 'info'
    default:
      return 'primary'
  }
}

/** The line under an entry's headline: the channel, the edit, the reason, the broadcast and its result. */
export function timelineDetail(e: TimelineEntry): string {
  switch (e.kind) {
    case 'added':
    case 're_added':
      return [e.text ? `渠道：${e.text}` : '', e.status === 'sync' ? '同步发现' : ''].filter(Boolean).join(' · ')
    case 'remark':
    case 'description':
    case 'mobiles':
      return `${e.from || '（空）'} → ${e.to || '（空）'}`
    case 'welcome':
      return e.text ? `原因：${e.text}` : ''
    case 'broadcast':
      return `「${e.text ?? ''}」${TARGET_STATUS_LABELS[e.status as TargetStatus] ?? ''}`
    case 'message':
      return e.text ?? ''
    default:
      return e.status === 'sync' ? '同步发现' : ''
  }
}
