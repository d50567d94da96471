// 群发: list columns, Chinese labels, the composer's empty form and its conversion to the procedure input, the funnel chart.
import {
  BROADCAST_STATUS_LABELS,
  BROADCAST_TEXT_MAX_BYTES,
  RECEIVE_LIMIT_LABELS,
  TARGET_STATUS_LABELS,
  type BroadcastStatus,
} from '../../../../shared/schemas/broadcast'
import type { TableColumn } from '../../components/table-column'
import type { ChartOption } from '../../components/echart.vue'
import type { BroadcastDetail, BroadcastRow, BroadcastSaveInput } from '../../stores/broadcasts'
import { formatDateTime } from '../../utils/format'

export { BROADCAST_STATUS_LABELS, BROADCAST_TEXT_MAX_BYTES, RECEIVE_LIMIT_LABELS, TARGET_STATUS_LABELS }

export const STATUS_TAG: Record<BroadcastStatus, 'info' | 'warning' | 'primary' | 'success' | 'danger'> = {
  draft: 'info',
  scheduled: 'warning',
  sending: 'primary',
  sent: 'success',
  canceled: 'danger',
}

const DAY_MS = 86_400_000

export function broadcastColumns(): TableColumn<BroadcastRow>[] {
  return [
    { key: 'title', label: '名称', prop: 'title', minWidth: 160 },
    { key: 'text', label: '内容', formatter: (r) => r.text ?? `（${r.attachments} 个附件）`, minWidth: 240, ellipsis: true },
    { key: 'status', label: '状态', slot: 'status', width: 100 },
    {
      key: 'targets',
      label: '客户数',
      formatter: (r) => (r.status === 'draft' || r.status === 'scheduled' ? '—' : String(r.targetCount)),
      width: 90,
    },
    { key: 'scheduledAt', label: '定时', formatter: (r) => formatDateTime(r.scheduledAt), width: 170 },
    { key: 'submittedAt', label: '提交时间', formatter: (r) => formatDateTime(r.submittedAt), width: 170 },
    { key: 'actions', label: '操作', slot: 'actions', width: 170, fixed: 'right' },
  ]
}

/** One attachment row of the form; which fields count depends on msgtype (flat, so the template binds it without narrowing). */
export interface AttachmentForm {
  msgtype: 'link' | 'miniprogram' | 'image'
  title: string
  url: string
  desc: string
  picurl: string
  appid: string
  page: string
  pic_media_id: string
  pic_url: string
  /** An uploaded image: our stored copy and its current media_id (renewed by the server when it nears 3 days). */
  mediaRef: number | null
  media_id: string
  /** data: URL of the uploaded file, for the preview only. */
  preview: string
}

export function emptyAttachment(msgtype: AttachmentForm['msgtype']): AttachmentForm {
  return {
    msgtype,
    title: '',
    url: '',
    desc: '',
    picurl: '',
    appid: '',
    page: '',
    pic_media_id: '',
    pic_url: '',
    mediaRef: null,
    media_id: '',
    preview: '',
  }
}

export function emptyComposer() {
  return {
    id: 0,
    title: '',
    text: '',
    attachments: [] as AttachmentForm[],
    targetKind: 'filter' as 'all' | 'filter' | 'ids',
    /** Customers picked on the customers page (targetKind 'ids'). */
    customerIds: [] as number[],
    tagIds: [] as number[],
    tagMode: 'any' as 'any' | 'all',
    channel: '',
    followUserid: '',
    added: null as [number, number] | null,
    status: '' as '' | 'active' | 'lost',
    gender: '' as '' | 0 | 1 | 2,
    when: 'now' as 'now' | 'later',
    scheduledAt: null as number | null,
  }
}
export type ComposerForm = ReturnType<typeof emptyComposer>

export const utf8Bytes = (s: string) => new TextEncoder().encode(s).length

export function targetsOf(f: ComposerForm): BroadcastSaveInput['targets'] {
  if (f.targetKind === 'all') return { kind: 'all' }
  if (f.targetKind === 'ids') return { kind: 'ids', customerIds: f.customerIds }
  return {
    kind: 'filter',
    filter: {
      tagIds: f.tagIds.length ? f.tagIds : undefined,
      tagMode: f.tagMode,
      channel: f.channel || undefined,
      followUserid: f.followUserid || undefined,
      addedFrom: f.added ? Number(f.added[0]) : undefined,
      addedTo: f.added ? Number(f.added[1]) + DAY_MS - 1 : undefined,
      status: f.status || undefined,
      gender: f.gender === '' ? undefined : f.gender,
    },
  }
}

/** A new broadcast to customers chosen by id (a selection on the customers page, or the valid rows of a CSV). */
export function composerForCustomers(customerIds: readonly number[]): ComposerForm {
  return { ...emptyComposer(), targetKind: 'ids', customerIds: [...new Set(customerIds)] }
}

export function contentOf(f: ComposerForm): BroadcastSaveInput['content'] {
  return {
    text: f.text.trim() ? f.text : undefined,
    attachments: f.attachments.map((a) => {
      if (a.msgtype === 'link')
        return { msgtype: 'link' as const, link: { title: a.title, url: a.url, desc: a.desc || undefined, picurl: a.picurl || undefined } }
      if (a.msgtype === 'miniprogram')
        return {
          msgtype: 'miniprogram' as const,
          miniprogram: { title: a.title, appid: a.appid, page: a.page, pic_media_id: a.pic_media_id },
        }
      if (a.mediaRef !== null) return { msgtype: 'image' as const, image: { media_id: a.media_id }, mediaRef: a.mediaRef }
      return { msgtype: 'image' as const, image: { pic_url: a.pic_url } }
    }),
  }
}

export function toInput(f: ComposerForm): BroadcastSaveInput {
  return {
    title: f.title,
    content: contentOf(f),
    targets: targetsOf(f),
    scheduledAt: f.when === 'later' ? f.scheduledAt : null,
  }
}

/**
 * targets → submitted → confirmed by staff → delivered → clicked (unique visitors of the tracking links) → converted
 * (a 已转化 线索 by mobile within the default window), as horizontal bars.
 */
export function funnelOption(d: BroadcastDetail): ChartOption {
  const steps = [
    ['目标客户', d.funnel.targets],
    ['已提交', d.funnel.submitted],
    ['员工已确认', d.funnel.confirmed],
    ['已送达', d.funnel.delivered],
    ['点击人数', d.funnel.clickers],
    [`${d.funnel.leadConversionDays}天内线索转化`, d.funnel.leadConverted],
  ] as const
  return {
    // Drawn at once: the numbers change under a live poll, and a growing bar reads as a wrong count.
    animation: false,
    grid: { left: 100, right: 40, top: 10, bottom: 20 },
    tooltip: { trigger: 'axis' },
    xAxis: { type: 'value' },
    yAxis: { type: 'category', inverse: true, data: steps.map((s) => s[0]) },
    series: [{ type: 'bar', data: steps.map((s) => s[1]), label: { show: true, position: 'right' }, barMaxWidth: 28 }],
  } as ChartOption
}
