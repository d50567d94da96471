// Raising a notification: one row per alert (once per dedupe key), its deliveries per (channel, recipient), 站内信 rows, queued sends.
import { randomBytes } from 'node:crypto'
import type { Deps } from '../../deps'
import type { Insertable } from 'kysely'
import type { Executor } from '../../db/database'
import { fromJson, toJson } from '../../db/dialect'
import { writeTransaction } from '../../db/transaction'
import { defaultNotifySettings, notifySettings, type NotifySettings, type Scene } from '../../../shared/schemas/notify'
import {
  employeesByIds,
  existingNotificationIds,
  existingNotificationKeys,
  findOrgName,
  findSettingsRow,
  insertDeliveries,
  insertInboxIgnore,
  insertInboxOnce,
  insertNotificationOnce,
  insertNotifications,
  pendingSendIds,
  insertSettingsIgnore,
  orgAdminUsers,
  systemNoticeEmployees,
} from './notifications.repository'
import { sceneTexts, type SceneVars } from './scene-texts'
import type { InboxMessagesTable, NotificationDeliveriesTable } from './notifications.table'

/** The queue kind of one template or SMS send. */
export const NOTIFY_DELIVER_JOB = 'notify.deliver'
/** The queue kind of several first sends at once (a batch of alerts); a send that needs another try becomes a notify.deliver job. */
export const NOTIFY_DELIVER_BATCH_JOB = 'notify.deliver-batch'
export const DELIVER_MAX_ATTEMPTS = 8

/** How long a parsed settings row is reused: a save on another instance is seen within this. */
export const SETTINGS_CACHE_MS = 2000
const SETTINGS_CACHE_MAX = 1000
const settingsCache = new WeakMap<Deps, Map<number, { settings: NotifySettings; at: number }>>()

/**
 * The org's settings, the defaults filled in for anything not saved (a scene added later, a first visit). Parsed
 * settings are kept per org for SETTINGS_CACHE_MS (bounded; a save in this process drops its entry at once), so a
 * burst of sends does not re-read and re-parse the row for every message.
 */
export async function loadNotifySettings(deps: Deps, orgId: number): Promise<NotifySettings> {
  let cache = settingsCache.get(deps)
  if (!cache) settingsCache.set(deps, (cache = new Map()))
  const now = deps.clock.now()
  const hit = cache.get(orgId)
  if (hit && now - hit.at >= 0 && now - hit.at < SETTINGS_CACHE_MS) return hit.settings
  const row = await findSettingsRow(deps.db, orgId)
  const settings = mergeSettings(fromJson<unknown>(row?.settings, null))
  cache.delete(orgId)
  // Oldest first in a Map: drop it when full.
  if (cache.size >= SETTINGS_CACHE_MAX) cache.delete(cache.keys().next().value!)
  cache.set(orgId, { settings, at: now })
  return settings
}

/** After a save: this process reads the new settings on its next send. */
export function forgetNotifySettings(deps: Deps, orgId: number): void {
  settingsCache.get(deps)?.delete(orgId)
}

export function mergeSettings(stored: unknown): NotifySettings {
  const base = defaultNotifySettings()
  const s = (stored ?? {}) as Partial<NotifySettings>
  const merged = {
    scenes: Object.fromEntries(
      Object.entries(base.scenes).map(([k, v]) => [k, { ...v, ...((s.scenes as Record<string, object> | undefined)?.[k] ?? {}) }]),
    ),
    thresholds: { ...base.thresholds, ...(s.thresholds ?? {}) },
  }
  const parsed = notifySettings.safeParse(merged)
  return parsed.success ? parsed.data : base
}

/** The org's settings row, created on first need with its SMS report key. */
export async function ensureSettingsRow(deps: Deps, orgId: number) {
  const row = await findSettingsRow(deps.db, orgId)
  if (row) return row
  await insertSettingsIgnore(deps.db, orgId, toJson(defaultNotifySettings()), randomBytes(18).toString('base64url'), deps.clock.now())
  return (await findSettingsRow(deps.db, orgId))!
}

export interface Recipient {
  id: number
  name: string
  mobile: string
  openid: string | null
  follows_oa: number
  admin_user_id: number | null
}

/** Who a notification goes to when the scene's rule (not the push config) decides. */
export interface RaiseOptions {
  /** Employees instead of those flagged for system notices (意向客户: the routed ones). */
  employeeIds?: number[]
  /** false: no WeChat message whatever the settings say (推送方式 不推送). */
  template?: boolean
  /** The SMS template to use instead of the scene's (意向客户: the push config's); null: no SMS. */
  smsTemplateId?: string | null
}

export interface RaiseInput {
  scene: Scene
  /** Same key twice → the second raise does nothing, on any instance. */
  dedupeKey: string
  vars: Omit<SceneVars, 'org_name' | 'time'> & Partial<Pick<SceneVars, 'time'>>
  options?: RaiseOptions
}

/** Everything raising needs that is read outside the write transaction. */
export interface RaiseContext {
  orgId: number
  orgName: string
  settings: NotifySettings
}

export async function raiseContext(deps: Deps, orgId: number): Promise<RaiseContext> {
  return { orgId, orgName: (await findOrgName(deps.db, orgId)) ?? '', settings: await loadNotifySettings(deps, orgId) }
}

/**
 * Inside the caller's transaction: the notification (or nothing, when its key exists), an inbox row per admin and per
 * recipient employee's linked user, and one pending delivery plus one queued send per template / SMS recipient.
 */
export async function raiseInTransaction(deps: Deps, trx: Executor, ctx: RaiseContext, input: RaiseInput): Promise<number | null> {
  return (await raiseManyInTransaction(deps, trx, ctx, [input]))[0] ?? null
}

/** Rows per multi-row insert: well under both engines' placeholder limits. */
const INSERT_CHUNK = 200

async function insertChunked<T>(rows: readonly T[], write: (chunk: T[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) await write(rows.slice(i, i + INSERT_CHUNK))
}

/**
 * Several notifications at once (a batch of ingest events), each as raiseInTransaction would raise it, with a few
 * multi-row statements instead of a handful per notification. Returns the new ids in input order (null: the key
 * existed already, or appeared twice in `inputs`). Keys are looked up first and the new ones inserted without IGNORE:
 * a concurrent raise of the same key makes this transaction fail (and its job retry) rather than take the other's row.
 */
export async function raiseManyInTransaction(
  deps: Deps,
  trx: Executor,
  ctx: RaiseContext,
  inputs: readonly RaiseInput[],
): Promise<(number | null)[]> {
  if (inputs.length === 0) return []
  const now = deps.clock.now()
  const prepared = inputs.map((input) => {
    const vars: SceneVars = { ...input.vars, org_name: ctx.orgName, time: input.vars.time ?? now }
    return { input, vars, texts: sceneTexts(input.scene, vars), key: input.dedupeKey.slice(0, 191), opts: input.options ?? {} }
  })
  const rowOf = (p: (typeof prepared)[number]) => ({
    org_id: ctx.orgId,
    scene: p.input.scene,
    dedupe_key: p.key,
    title: p.texts.title.slice(0, 100),
    content: p.texts.content,
    vars: toJson({ ...p.vars, sms_template_id: p.opts.smsTemplateId }),
    created_at: now,
  })

  const ids: (number | null)[] = prepared.map(() => null)
  if (prepared.length === 1) {
    ids[0] = await insertNotificationOnce(trx, rowOf(prepared[0]))
  } else {
    const existing = new Set(
      await existingNotificationKeys(
        trx,
        ctx.orgId,
        prepared.map((p) => p.key),
      ),
    )
    const fresh = new Map<string, number>()
    prepared.forEach((p, i) => {
      if (!existing.has(p.key) && !fresh.has(p.key)) fresh.set(p.key, i)
    })
    await insertChunked([...fresh.values()], (chunk) =>
      insertNotifications(
        trx,
        chunk.map((i) => rowOf(prepared[i])),
      ),
    )
    for (const r of await existingNotificationIds(trx, ctx.orgId, [...fresh.keys()])) {
      const i = fresh.get(r.dedupe_key)
      if (i !== undefined) ids[i] = r.id
    }
  }
  const raised = prepared.flatMap((p, i) => (ids[i] === null ? [] : [{ ...p, id: ids[i]! }]))
  if (raised.length === 0) return ids

  // Recipients, read once for the whole batch.
  const wanted = [...new Set(raised.flatMap((r) => r.opts.employeeIds ?? []))]
  const byId = new Map((await employeesByIds(trx, ctx.orgId, wanted)).map((e) => [e.id, e as Recipient]))
  const notice = raised.some((r) => !r.opts.employeeIds) ? await systemNoticeEmployees(trx, ctx.orgId) : []
  const admins = raised.some((r) => ctx.settings.scenes[r.input.scene].inbox) ? await orgAdminUsers(trx, ctx.orgId) : []

  const base = { org_id: ctx.orgId, created_at: now, updated_at: now, error: null, platform_id: null }
  const deliveries: Insertable<NotificationDeliveriesTable>[] = []
  const inbox: Insertable<InboxMessagesTable>[] = []
  let sendCount = 0
  for (const r of raised) {
    const sc = ctx.settings.scenes[r.input.scene]
    const employees: Recipient[] = r.opts.employeeIds ? r.opts.employeeIds.flatMap((id) => byId.get(id) ?? []) : notice
    if (sc.inbox) {
      const users = new Map<number, string>()
      for (const a of admins) users.set(a.id, a.display_name)
      for (const e of employees) if (e.admin_user_id && !users.has(e.admin_user_id)) users.set(e.admin_user_id, e.name)
      for (const [userId, name] of users) {
        deliveries.push({
          ...base,
          notification_id: r.id,
          channel: 'inbox',
          recipient_kind: 'user',
          recipient_id: userId,
          recipient_name: name.slice(0, 64),
          address: '',
          status: 'delivered',
        })
        inbox.push({
          org_id: ctx.orgId,
          user_id: userId,
          notification_id: r.id,
          dedupe_key: `n:${r.id}`,
          title: r.texts.title.slice(0, 100),
          content: r.texts.content,
          jump_label: r.texts.jumpLabel,
          jump_url: r.texts.jumpUrl.slice(0, 512),
          read_at: null,
          created_at: now,
        })
      }
    }
    const send = { ...base, notification_id: r.id, recipient_kind: 'employee' as const, status: 'pending' as const }
    if (sc.template && r.opts.template !== false && sc.templateId) {
      for (const e of employees) {
        if (!e.openid || !e.follows_oa) continue
        deliveries.push({ ...send, channel: 'template', recipient_id: e.id, recipient_name: e.name, address: e.openid })
        sendCount++
      }
    }
    // The scene's switch gates SMS; the template comes from the push config (意向客户) or the scene's settings.
    const smsTemplateId = !sc.sms ? null : r.opts.smsTemplateId !== undefined ? r.opts.smsTemplateId : sc.smsTemplateId
    if (smsTemplateId && r.texts.smsParams) {
      for (const e of employees) {
        if (!e.mobile) continue
        deliveries.push({ ...send, channel: 'sms', recipient_id: e.id, recipient_name: e.name, address: e.mobile })
        sendCount++
      }
    }
  }
  await insertChunked(deliveries, (chunk) => insertDeliveries(trx, chunk))
  await insertChunked(inbox, (chunk) => insertInboxIgnore(trx, chunk))
  if (sendCount > 0) {
    const sends = await pendingSendIds(
      trx,
      ctx.orgId,
      raised.map((r) => r.id),
    )
    await enqueueSends(deps, trx, ctx.orgId, sends)
  }
  return ids
}

/** Sends per notify.deliver-batch job: enough to keep many sends in flight with few statements, small enough to retry. */
export const DELIVER_BATCH_SIZE = 50

/** One send alone is its own notify.deliver job (as before); more go as notify.deliver-batch jobs of up to DELIVER_BATCH_SIZE. */
async function enqueueSends(deps: Deps, trx: Executor, orgId: number, deliveryIds: readonly number[]): Promise<void> {
  if (deliveryIds.length === 1) {
    const deliveryId = deliveryIds[0]
    await deps.queue.enqueue(
      trx,
      NOTIFY_DELIVER_JOB,
      { deliveryId },
      { orgId, dedupeKey: `${NOTIFY_DELIVER_JOB}:${deliveryId}`, maxAttempts: DELIVER_MAX_ATTEMPTS },
    )
    return
  }
  const jobs = []
  for (let i = 0; i < deliveryIds.length; i += DELIVER_BATCH_SIZE) {
    const chunk = deliveryIds.slice(i, i + DELIVER_BATCH_SIZE)
    jobs.push({
      kind: NOTIFY_DELIVER_BATCH_JOB,
      payload: { deliveryIds: chunk },
      // A delivery is in one batch only, so its first id names the batch.
      opts: { orgId, dedupeKey: `${NOTIFY_DELIVER_BATCH_JOB}:${chunk[0]}`, maxAttempts: DELIVER_MAX_ATTEMPTS },
    })
  }
  await deps.queue.enqueueMany(trx, jobs)
}

/** One notification in its own transaction (scenes with no state of their own: 充值到账, 公告, the daily rules). */
export async function raiseNotification(deps: Deps, orgId: number, input: RaiseInput): Promise<number | null> {
  const ctx = await raiseContext(deps, orgId)
  return writeTransaction(deps.db, (trx) => raiseInTransaction(deps, trx, ctx, input))
}

/** A warning to the org's admins in their inbox (not a scene): once per key. */
export async function warnAdmins(
  deps: Deps,
  orgId: number,
  key: string,
  title: string,
  content: string,
  jumpLabel = '通知设置',
  jumpUrl = '/notify-settings',
): Promise<void> {
  const now = deps.clock.now()
  for (const a of await orgAdminUsers(deps.db, orgId)) {
    await insertInboxOnce(deps.db, {
      org_id: orgId,
      user_id: a.id,
      notification_id: null,
      dedupe_key: key.slice(0, 191),
      title: title.slice(0, 100),
      content,
      jump_label: jumpLabel,
      jump_url: jumpUrl,
      read_at: null,
      created_at: now,
    })
  }
}
