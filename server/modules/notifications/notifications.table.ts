// Row types of the notification tables: settings, scene facts, notifications, deliveries, 站内信 and 公告.
import type { Generated, Selectable } from 'kysely'

export interface NotifySettingsTable {
  id: Generated<number>
  org_id: number
  /** JSON of NotifySettings (shared/schemas/notify-settings.ts). */
  settings: string
  sms_report_key: string
  updated_at: number
}

export interface NotifyFactsTable {
  id: Generated<number>
  org_id: number
  fact_key: string
  value: string
  updated_at: number
}

export interface NotificationsTable {
  id: Generated<number>
  org_id: number
  scene: string
  dedupe_key: string
  title: string
  content: string
  /** JSON of the scene variables the texts and the template mapping read. */
  vars: string
  created_at: number
}
export type NotificationRow = Selectable<NotificationsTable>

export type DeliveryChannel = 'inbox' | 'template' | 'sms'
export type DeliveryStatus = 'pending' | 'sent' | 'delivered' | 'failed'
export type RecipientKind = 'user' | 'employee'

export interface NotificationDeliveriesTable {
  id: Generated<number>
  org_id: number
  notification_id: number
  channel: DeliveryChannel
  recipient_kind: RecipientKind
  recipient_id: number
  recipient_name: string
  address: string
  status: DeliveryStatus
  error: string | null
  platform_id: string | null
  attempts: Generated<number>
  created_at: number
  updated_at: number
}
export type DeliveryRow = Selectable<NotificationDeliveriesTable>

export interface InboxMessagesTable {
  id: Generated<number>
  org_id: number
  user_id: number
  notification_id: number | null
  dedupe_key: string
  title: string
  content: string
  jump_label: string
  jump_url: string
  read_at: number | null
  created_at: number
}
export type InboxMessageRow = Selectable<InboxMessagesTable>

export type AnnouncementKind = 'upgrade' | 'service'

export interface AnnouncementsTable {
  id: Generated<number>
  kind: AnnouncementKind
  title: string
  content: string
  published_by: number
  created_at: number
}
export type AnnouncementRow = Selectable<AnnouncementsTable>
