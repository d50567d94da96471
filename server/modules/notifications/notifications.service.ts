// Raising a notification: one row per alert (once per dedupe key), its deliveries per (channel, recipient), 站内信 rows, queued sends.
import { randomBytes } from 'node:crypto'
import type { Deps } from '../../deps'
import type { Executor } from '../../db/database'
import { fromJson, toJson } from '../../db/dialect'
import { writeTransaction } from '../../db/transaction'
import { defaultNotifySettings, notifySettings, type NotifySettings, type Scene } from '../../../shared/schemas/notify'
import {
  employeesByIds,
  findOrgName,
  findSettingsRow,
  insertDelivery,
  insertInboxOnce,
  insertNotificationOnce,
  insertSettingsIgnore,
  orgAdminUsers,
  systemNoticeEmployees,
} from './notifications.repository'
import { sceneTexts, type SceneVars } from './scene-texts'

/** The queue kind of one template or SMS send. */
export const NOTIFY_DELIVER_JOB = 'notify.deliver'
export const DELIVER_MAX_ATTEMPTS = 8

/** The org's settings, the defaults filled in for anything not saved (a scene added later, a first visit). */
export async function loadNotifySettings(deps: Deps, orgId: number): Promise<NotifySettings> {
  const row = await findSettingsRow(deps.db, orgId)
  return mergeSettings(fromJson<unknown>(row?.settings, null))
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
  const now = deps.clock.now()
  const vars: SceneVars = { ...input.vars, org_name: ctx.orgName, time: input.vars.time ?? now }
  const texts = sceneTexts(input.scene, vars)
  const sc = ctx.settings.scenes[input.scene]
  const opts = input.options ?? {}
  const id = await insertNotificationOnce(trx, {
    org_id: ctx.orgId,
    scene: input.scene,
    dedupe_key: input.dedupeKey.slice(0, 191),
    title: texts.title.slice(0, 100),
    content: texts.content,
    vars: toJson({ ...vars, sms_template_id: opts.smsTemplateId }),
    created_at: now,
  })
  if (id === null) return null

  const employees: Recipient[] = opts.employeeIds
    ? await employeesByIds(trx, ctx.orgId, opts.employeeIds)
    : await systemNoticeEmployees(trx, ctx.orgId)
  const base = { org_id: ctx.orgId, notification_id: id, created_at: now, updated_at: now, error: null, platform_id: null }

  if (sc.inbox) {
    const users = new Map<number, string>()
    for (const a of await orgAdminUsers(trx, ctx.orgId)) users.set(a.id, a.display_name)
    for (const e of employees) if (e.admin_user_id && !users.has(e.admin_user_id)) users.set(e.admin_user_id, e.name)
    for (const [userId, name] of users) {
      await insertDelivery(trx, {
        ...base,
        channel: 'inbox',
        recipient_kind: 'user',
        recipient_id: userId,
        recipient_name: name.slice(0, 64),
        address: '',
        status: 'delivered',
      })
      await insertInboxOnce(trx, {
        org_id: ctx.orgId,
        user_id: userId,
        notification_id: id,
        dedupe_key: `n:${id}`,
        title: texts.title.slice(0, 100),
        content: texts.content,
        jump_label: texts.jumpLabel,
        jump_url: texts.jumpUrl.slice(0, 512),
        read_at: null,
        created_at: now,
      })
    }
  }

  const sends: number[] = []
  if (sc.template && opts.template !== false && sc.templateId) {
    for (const e of employees) {
      if (!e.openid || !e.follows_oa) continue
      sends.push(
        await insertDelivery(trx, {
          ...base,
          channel: 'template',
          recipient_kind: 'employee',
          recipient_id: e.id,
          recipient_name: e.name,
          address: e.openid,
          status: 'pending',
        }),
      )
    }
  }
  // The scene's switch gates SMS; the template comes from the push config (意向客户) or the scene's settings.
  const smsTemplateId = !sc.sms ? null : opts.smsTemplateId !== undefined ? opts.smsTemplateId : sc.smsTemplateId
  if (smsTemplateId && texts.smsParams) {
    for (const e of employees) {
      if (!e.mobile) continue
      sends.push(
        await insertDelivery(trx, {
          ...base,
          channel: 'sms',
          recipient_kind: 'employee',
          recipient_id: e.id,
          recipient_name: e.name,
          address: e.mobile,
          status: 'pending',
        }),
      )
    }
  }
  if (sends.length > 0) {
    await deps.queue.enqueueMany(
      trx,
      sends.map((deliveryId) => ({
        kind: NOTIFY_DELIVER_JOB,
        payload: { deliveryId },
        opts: { orgId: ctx.orgId, dedupeKey: `${NOTIFY_DELIVER_JOB}:${deliveryId}`, maxAttempts: DELIVER_MAX_ATTEMPTS },
      })),
    )
  }
  return id
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
