// 消息通知 pages: labels of channels and delivery states, table columns of 通知记录 / 站内信 / 公告.
import type { TableColumn } from '../../components/table-column'
import type { AnnouncementRow, InboxRow, NotificationRow } from '../../stores/notify'
import { formatDateTime } from '../../utils/format'
import { ANNOUNCEMENT_KIND_LABELS } from '../../../../shared/schemas/notify'

export const CHANNEL_LABELS = { inbox: '站内信', template: '模板消息', sms: '短信' } as const
export const STATUS_LABELS = { pending: '待发送', sent: '已发送', delivered: '已送达', failed: '失败' } as const
export const STATUS_TYPES = { pending: 'info', sent: 'primary', delivered: 'success', failed: 'danger' } as const

export function recordColumns(): TableColumn<NotificationRow>[] {
  return [
    { key: 'createdAt', label: '时间', formatter: (r) => formatDateTime(r.createdAt), width: 170 },
    { key: 'scene', label: '场景', prop: 'sceneLabel', width: 120 },
    { key: 'title', label: '标题', prop: 'title', minWidth: 140 },
    { key: 'content', label: '内容', prop: 'content', minWidth: 260, ellipsis: true },
    { key: 'deliveries', label: '投递状态', slot: 'deliveries', minWidth: 260 },
  ]
}

export function inboxColumns(): TableColumn<InboxRow>[] {
  return [
    { key: 'title', label: '标题', slot: 'title', minWidth: 160 },
    { key: 'content', label: '内容', prop: 'content', minWidth: 320, ellipsis: true },
    { key: 'createdAt', label: '时间', formatter: (r) => formatDateTime(r.createdAt), width: 170 },
    { key: 'actions', label: '操作', slot: 'actions', width: 180, fixed: 'right' },
  ]
}

export function announcementColumns(): TableColumn<AnnouncementRow>[] {
  return [
    { key: 'kind', label: '类型', formatter: (r) => ANNOUNCEMENT_KIND_LABELS[r.kind], width: 110 },
    { key: 'title', label: '标题', prop: 'title', minWidth: 160 },
    { key: 'content', label: '内容', prop: 'content', minWidth: 320, ellipsis: true },
    { key: 'createdAt', label: '发布时间', formatter: (r) => formatDateTime(r.createdAt), width: 170 },
  ]
}
