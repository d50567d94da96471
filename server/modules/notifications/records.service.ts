// 通知记录 and 公告: the org's notifications with their deliveries, resending a failed one; publishing an announcement to every org.
import type { Deps } from '../../deps'
import { writeTransaction } from '../../db/transaction'
import { InvalidInputError, notFound } from '../../lib/errors'
import type { Page, PageInput } from '../../../shared/schemas/common'
import { SCENE_LABELS, type AnnouncementPublishInput, type NotificationListInput, type Scene } from '../../../shared/schemas/notify'
import {
  activeOrgIds,
  deliveriesOf,
  findAnnouncement,
  findDeliveryInOrg,
  insertAnnouncement,
  listAnnouncementsPage,
  listNotificationsPage,
  setDelivery,
} from './notifications.repository'
import type { AnnouncementKind, DeliveryChannel, DeliveryStatus } from './notifications.table'
import { DELIVER_MAX_ATTEMPTS, NOTIFY_DELIVER_JOB, raiseNotification } from './notifications.service'

export interface DeliveryView {
  id: number
  channel: DeliveryChannel
  recipientName: string
  status: DeliveryStatus
  error: string | null
  updatedAt: number
}

export interface NotificationView {
  id: number
  scene: Scene
  sceneLabel: string
  title: string
  content: string
  createdAt: number
  deliveries: DeliveryView[]
}

export async function listNotifications(deps: Deps, orgId: number, input: NotificationListInput): Promise<Page<NotificationView>> {
  const { rows, total } = await listNotificationsPage(deps.db, orgId, input, input)
  const deliveries = await deliveriesOf(
    deps.db,
    orgId,
    rows.map((r) => r.id),
  )
  return {
    total,
    items: rows.map((r) => ({
      id: r.id,
      scene: r.scene as Scene,
      sceneLabel: SCENE_LABELS[r.scene as Scene] ?? r.scene,
      title: r.title,
      content: r.content,
      createdAt: r.created_at,
      deliveries: deliveries
        .filter((d) => d.notification_id === r.id)
        .map((d) => ({
          id: d.id,
          channel: d.channel,
          recipientName: d.recipient_name,
          status: d.status,
          error: d.error,
          updatedAt: d.updated_at,
        })),
    })),
  }
}

/** A failed template or SMS delivery goes back to pending and is sent again (the same client_msg_id). */
export async function resendDelivery(deps: Deps, orgId: number, deliveryId: number): Promise<{ ok: true }> {
  const d = await findDeliveryInOrg(deps.db, orgId, deliveryId)
  if (!d) notFound('投递记录', deliveryId)
  if (d.status !== 'failed' || d.channel === 'inbox') throw new InvalidInputError('只有发送失败的模板消息或短信可以重发')
  const now = deps.clock.now()
  await writeTransaction(deps.db, async (trx) => {
    await setDelivery(trx, d.id, { status: 'pending', error: null, updated_at: now })
    await deps.queue.enqueue(
      trx,
      NOTIFY_DELIVER_JOB,
      { deliveryId: d.id },
      {
        orgId,
        dedupeKey: `${NOTIFY_DELIVER_JOB}:${d.id}:resend:${now}`,
        maxAttempts: DELIVER_MAX_ATTEMPTS,
      },
    )
  })
  return { ok: true }
}

/** The queue kind raising one announcement in one org. */
export const NOTIFY_ANNOUNCE_JOB = 'notify.announce'

export interface AnnouncementView {
  id: number
  kind: AnnouncementKind
  title: string
  content: string
  createdAt: number
}

/** Stored once; each active org gets its notification through its own queued job (one org's failure holds up no other). */
export async function publishAnnouncement(deps: Deps, userId: number, input: AnnouncementPublishInput): Promise<AnnouncementView> {
  const now = deps.clock.now()
  const orgIds = await activeOrgIds(deps.db)
  const id = await writeTransaction(deps.db, async (trx) => {
    const id = await insertAnnouncement(trx, {
      kind: input.kind,
      title: input.title,
      content: input.content,
      published_by: userId,
      created_at: now,
    })
    await deps.queue.enqueueMany(
      trx,
      orgIds.map((orgId) => ({
        kind: NOTIFY_ANNOUNCE_JOB,
        payload: { announcementId: id, orgId },
        opts: { orgId, dedupeKey: `${NOTIFY_ANNOUNCE_JOB}:${id}:${orgId}` },
      })),
    )
    return id
  })
  return { id, kind: input.kind, title: input.title, content: input.content, createdAt: now }
}

export async function handleAnnounceJob(deps: Deps, payload: { announcementId: number; orgId: number }): Promise<void> {
  const a = await findAnnouncement(deps.db, payload.announcementId)
  if (!a) return
  await raiseNotification(deps, payload.orgId, {
    scene: 'announcement',
    dedupeKey: `announcement:${a.id}`,
    vars: { announcement_title: a.title, announcement_content: a.content },
  })
}

export async function listAnnouncements(deps: Deps, input: PageInput): Promise<Page<AnnouncementView>> {
  const { rows, total } = await listAnnouncementsPage(deps.db, input)
  return { total, items: rows.map((r) => ({ id: r.id, kind: r.kind, title: r.title, content: r.content, createdAt: r.created_at })) }
}
