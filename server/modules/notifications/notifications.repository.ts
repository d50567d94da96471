// Queries of the notification tables, plus the few reads of employees, admin users and orgs that choosing recipients needs.
import { sql, type Insertable, type Updateable } from 'kysely'
import type { Executor } from '../../db/database'
import { affected, insertedId, isDuplicateKey, upsert } from '../../db/dialect'
import { fetchPage, type PageRequest } from '../../db/paginate'
import type {
  DeliveryChannel,
  DeliveryStatus,
  NotificationDeliveriesTable,
  NotificationsTable,
  InboxMessagesTable,
  AnnouncementKind,
} from './notifications.table'

// ---- settings ----

export function findSettingsRow(db: Executor, orgId: number) {
  return db.selectFrom('notify_settings').selectAll().where('org_id', '=', orgId).executeTakeFirst()
}

export function findSettingsByReportKey(db: Executor, key: string) {
  return db.selectFrom('notify_settings').select(['org_id']).where('sms_report_key', '=', key).executeTakeFirst()
}

/** First save or first read: one row per org even when two requests race (the unique org key decides). */
export async function insertSettingsIgnore(db: Executor, orgId: number, settings: string, reportKey: string, now: number): Promise<void> {
  await upsert(db, 'notify_settings', { org_id: orgId, settings, sms_report_key: reportKey, updated_at: now }, ['org_id'], [])
}

export async function updateSettings(db: Executor, orgId: number, settings: string, now: number): Promise<void> {
  await db.updateTable('notify_settings').set({ settings, updated_at: now }).where('org_id', '=', orgId).execute()
}

// ---- facts ----

export async function findFact(db: Executor, orgId: number, key: string): Promise<string | undefined> {
  const row = await db.selectFrom('notify_facts').select('value').where('org_id', '=', orgId).where('fact_key', '=', key).executeTakeFirst()
  return row?.value
}

export async function setFact(db: Executor, orgId: number, key: string, value: string, now: number): Promise<void> {
  await upsert(
    db,
    'notify_facts',
    { org_id: orgId, fact_key: key, value, updated_at: now },
    ['org_id', 'fact_key'],
    ['value', 'updated_at'],
  )
}

/** True when this call created the fact: the "first one wins" of a once-only step. */
export async function insertFactOnce(db: Executor, orgId: number, key: string, value: string, now: number): Promise<boolean> {
  const r = await db.insertInto('notify_facts').values({ org_id: orgId, fact_key: key, value, updated_at: now }).ignore().executeTakeFirst()
  return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0
}

/** Every org's value of one fact (the daily rules walk these). */
export function listFactsByKey(db: Executor, key: string) {
  return db.selectFrom('notify_facts').select(['org_id', 'value']).where('fact_key', '=', key).orderBy('org_id').execute()
}

// ---- notifications and deliveries ----

/** The new notification's id, or null when one with the same dedupe key exists (the alert was raised already). */
export async function insertNotificationOnce(db: Executor, row: Insertable<NotificationsTable>): Promise<number | null> {
  try {
    return insertedId(await db.insertInto('notifications').values(row).executeTakeFirstOrThrow())
  } catch (err) {
    if (isDuplicateKey(err)) return null
    throw err
  }
}

/** Plain multi-row insert: the caller has checked the keys are new (a race fails the statement, not silently). */
export async function insertNotifications(db: Executor, rows: readonly Insertable<NotificationsTable>[]): Promise<void> {
  if (rows.length > 0) await db.insertInto('notifications').values(rows).execute()
}

export async function existingNotificationKeys(db: Executor, orgId: number, keys: readonly string[]): Promise<string[]> {
  return (await existingNotificationIds(db, orgId, keys)).map((r) => r.dedupe_key)
}

export async function existingNotificationIds(db: Executor, orgId: number, keys: readonly string[]) {
  const out: { id: number; dedupe_key: string }[] = []
  for (let i = 0; i < keys.length; i += 500) {
    const chunk = keys.slice(i, i + 500)
    out.push(
      ...(await db
        .selectFrom('notifications')
        .select(['id', 'dedupe_key'])
        .where('org_id', '=', orgId)
        .where('dedupe_key', 'in', chunk)
        .execute()),
    )
  }
  return out
}

export function findNotifications(db: Executor, orgId: number, ids: readonly number[]) {
  if (ids.length === 0) return Promise.resolve([])
  return db.selectFrom('notifications').selectAll().where('org_id', '=', orgId).where('id', 'in', ids).execute()
}

export function findNotification(db: Executor, orgId: number, id: number) {
  return db.selectFrom('notifications').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst()
}

export async function insertDeliveries(db: Executor, rows: readonly Insertable<NotificationDeliveriesTable>[]): Promise<void> {
  if (rows.length > 0) await db.insertInto('notification_deliveries').values(rows).execute()
}

/** The pending template / SMS deliveries of these (just raised) notifications, in id order. */
export async function pendingSendIds(db: Executor, orgId: number, notificationIds: readonly number[]): Promise<number[]> {
  const out: number[] = []
  for (let i = 0; i < notificationIds.length; i += 500) {
    const rows = await db
      .selectFrom('notification_deliveries')
      .select('id')
      .where('org_id', '=', orgId)
      .where('notification_id', 'in', notificationIds.slice(i, i + 500))
      .where('channel', 'in', ['template', 'sms'])
      .where('status', '=', 'pending')
      .orderBy('id')
      .execute()
    out.push(...rows.map((r) => r.id))
  }
  return out.sort((a, b) => a - b)
}

export function findDeliveries(db: Executor, ids: readonly number[]) {
  if (ids.length === 0) return Promise.resolve([])
  return db.selectFrom('notification_deliveries').selectAll().where('id', 'in', ids).orderBy('id').execute()
}

/**
 * Many sends' outcome in one statement: each delivery still pending becomes 'sent' with its own platform id (a CASE
 * over the ids), so a batch of sends costs one write instead of one per send.
 */
export async function markDeliveriesSent(
  db: Executor,
  sent: readonly { id: number; platformId: string; attempts: number }[],
  now: number,
): Promise<void> {
  if (sent.length === 0) return
  const platformId = sql<string>`case ${sql.ref('id')} ${sql.join(
    sent.map((s) => sql`when ${s.id} then ${s.platformId}`),
    sql` `,
  )} end`
  const attempts = sql<number>`case ${sql.ref('id')} ${sql.join(
    sent.map((s) => sql`when ${s.id} then ${s.attempts}`),
    sql` `,
  )} end`
  await db
    .updateTable('notification_deliveries')
    .set({ status: 'sent', platform_id: platformId, attempts, error: null, updated_at: now })
    .where(
      'id',
      'in',
      sent.map((s) => s.id),
    )
    .where('status', '=', 'pending')
    .execute()
}

export function findDelivery(db: Executor, id: number) {
  return db.selectFrom('notification_deliveries').selectAll().where('id', '=', id).executeTakeFirst()
}

export function findDeliveryInOrg(db: Executor, orgId: number, id: number) {
  return db.selectFrom('notification_deliveries').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst()
}

export async function setDelivery(db: Executor, id: number, patch: Updateable<NotificationDeliveriesTable>): Promise<void> {
  await db.updateTable('notification_deliveries').set(patch).where('id', '=', id).execute()
}

/** Closes a sent delivery from the platform's report; a report for a delivery already closed changes nothing. */
export async function closeDeliveryByPlatformId(
  db: Executor,
  orgId: number,
  channel: DeliveryChannel,
  platformId: string,
  status: DeliveryStatus,
  error: string | null,
  now: number,
): Promise<number> {
  return affected(
    await db
      .updateTable('notification_deliveries')
      .set({ status, error, updated_at: now })
      .where('org_id', '=', orgId)
      .where('channel', '=', channel)
      .where('platform_id', '=', platformId)
      .where('status', '=', 'sent')
      .execute(),
  )
}

export interface NotificationFilter {
  scene?: string
  channel?: DeliveryChannel
  status?: DeliveryStatus
  from?: number
  to?: number
}

export function listNotificationsPage(db: Executor, orgId: number, f: NotificationFilter, page: PageRequest) {
  let q = db.selectFrom('notifications').where('org_id', '=', orgId)
  if (f.scene) q = q.where('scene', '=', f.scene)
  if (f.from !== undefined) q = q.where('created_at', '>=', f.from)
  if (f.to !== undefined) q = q.where('created_at', '<', f.to)
  if (f.channel || f.status) {
    q = q.where((eb) => {
      let sub = eb.selectFrom('notification_deliveries as d').select('d.id').whereRef('d.notification_id', '=', 'notifications.id')
      if (f.channel) sub = sub.where('d.channel', '=', f.channel)
      if (f.status) sub = sub.where('d.status', '=', f.status)
      return eb.exists(sub)
    })
  }
  return fetchPage(q, page, (s) => s.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc'))
}

export function deliveriesOf(db: Executor, orgId: number, notificationIds: readonly number[]) {
  if (notificationIds.length === 0) return Promise.resolve([])
  return db
    .selectFrom('notification_deliveries')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('notification_id', 'in', notificationIds)
    .orderBy('id')
    .execute()
}

// ---- 站内信 ----

export async function insertInboxOnce(db: Executor, row: Insertable<InboxMessagesTable>): Promise<boolean> {
  const r = await db.insertInto('inbox_messages').values(row).ignore().executeTakeFirst()
  return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0
}

export async function insertInboxIgnore(db: Executor, rows: readonly Insertable<InboxMessagesTable>[]): Promise<void> {
  if (rows.length > 0) await db.insertInto('inbox_messages').values(rows).ignore().execute()
}

/** The values of several facts (absent keys are missing from the map). */
export async function findFacts(db: Executor, orgId: number, keys: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  for (let i = 0; i < keys.length; i += 500) {
    const rows = await db
      .selectFrom('notify_facts')
      .select(['fact_key', 'value'])
      .where('org_id', '=', orgId)
      .where('fact_key', 'in', keys.slice(i, i + 500))
      .execute()
    for (const r of rows) out.set(r.fact_key, r.value)
  }
  return out
}

/** Writes several facts at once (insert or overwrite). */
export async function setFacts(db: Executor, orgId: number, facts: ReadonlyMap<string, string>, now: number): Promise<void> {
  const rows = [...facts].map(([fact_key, value]) => ({ org_id: orgId, fact_key, value, updated_at: now }))
  for (let i = 0; i < rows.length; i += 500) {
    await upsert(db, 'notify_facts', rows.slice(i, i + 500), ['org_id', 'fact_key'], ['value', 'updated_at'])
  }
}

export function listInboxPage(db: Executor, orgId: number, userId: number, unreadOnly: boolean, page: PageRequest) {
  let q = db.selectFrom('inbox_messages').where('org_id', '=', orgId).where('user_id', '=', userId)
  if (unreadOnly) q = q.where('read_at', 'is', null)
  return fetchPage(q, page, (s) => s.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc'))
}

export async function countUnread(db: Executor, orgId: number, userId: number): Promise<number> {
  const r = await db
    .selectFrom('inbox_messages')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .where('read_at', 'is', null)
    .executeTakeFirstOrThrow()
  return Number(r.n)
}

export async function markInboxRead(
  db: Executor,
  orgId: number,
  userId: number,
  ids: readonly number[] | null,
  now: number,
): Promise<number> {
  let q = db
    .updateTable('inbox_messages')
    .set({ read_at: now })
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .where('read_at', 'is', null)
  if (ids) q = q.where('id', 'in', ids.length ? ids : [0])
  return affected(await q.execute())
}

export function findInboxMessage(db: Executor, orgId: number, userId: number, id: number) {
  return db
    .selectFrom('inbox_messages')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .where('id', '=', id)
    .executeTakeFirst()
}

// ---- recipients ----

export function orgAdminUsers(db: Executor, orgId: number) {
  return db
    .selectFrom('admin_users')
    .select(['id', 'display_name'])
    .where('org_id', '=', orgId)
    .where('role', '=', 'org_admin')
    .where('status', '=', 'active')
    .orderBy('id')
    .execute()
}

export function systemNoticeEmployees(db: Executor, orgId: number) {
  return db
    .selectFrom('employees')
    .select(['id', 'name', 'mobile', 'openid', 'follows_oa', 'admin_user_id'])
    .where('org_id', '=', orgId)
    .where('receives_system_notices', '=', 1)
    .orderBy('id')
    .execute()
}

export function employeesByIds(db: Executor, orgId: number, ids: readonly number[]) {
  if (ids.length === 0) return Promise.resolve([])
  return db
    .selectFrom('employees')
    .select(['id', 'name', 'mobile', 'openid', 'follows_oa', 'admin_user_id'])
    .where('org_id', '=', orgId)
    .where('id', 'in', ids)
    .orderBy('id')
    .execute()
}

/** 43004: the employee no longer follows the account. */
export async function markEmployeeUnfollowed(db: Executor, orgId: number, employeeId: number, now: number): Promise<void> {
  await db
    .updateTable('employees')
    .set({ follows_oa: 0, updated_at: now })
    .where('org_id', '=', orgId)
    .where('id', '=', employeeId)
    .execute()
}

export async function findOrgName(db: Executor, orgId: number): Promise<string | undefined> {
  return (await db.selectFrom('orgs').select('name').where('id', '=', orgId).executeTakeFirst())?.name
}

export async function activeOrgIds(db: Executor): Promise<number[]> {
  return (await db.selectFrom('orgs').select('id').where('status', '=', 'active').orderBy('id').execute()).map((r) => r.id)
}

// ---- 公告 ----

export async function insertAnnouncement(
  db: Executor,
  row: { kind: AnnouncementKind; title: string; content: string; published_by: number; created_at: number },
): Promise<number> {
  return insertedId(await db.insertInto('announcements').values(row).executeTakeFirstOrThrow())
}

export function findAnnouncement(db: Executor, id: number) {
  return db.selectFrom('announcements').selectAll().where('id', '=', id).executeTakeFirst()
}

export function listAnnouncementsPage(db: Executor, page: PageRequest) {
  return fetchPage(db.selectFrom('announcements'), page, (s) => s.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc'))
}
