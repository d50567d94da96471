// One template or SMS send (queue kind notify.deliver): pending → sent, the platform's refusals handled as the brief's table says.
import type { Deps } from '../../deps'
import { fromJson, toJson } from '../../db/dialect'
import { PreconditionError } from '../../lib/errors'
import type { QueueJobInfo } from '../../queue/queue'
import { isCallerError, PlatformError, PlatformTransportError, SmsError } from '../../platform/errors'
import type { SendTemplateRequest } from '../../platform/oa/template.types'
import type { Scene } from '../../../shared/schemas/notify'
import {
  closeDeliveryByPlatformId,
  findDeliveries,
  findDelivery,
  findFact,
  findFacts,
  findNotification,
  findNotifications,
  insertFactOnce,
  markDeliveriesSent,
  markEmployeeUnfollowed,
  setDelivery,
  setFact,
} from './notifications.repository'
import type { DeliveryRow, NotificationRow } from './notifications.table'
import { DELIVER_MAX_ATTEMPTS, loadNotifySettings, NOTIFY_DELIVER_JOB, warnAdmins } from './notifications.service'
import { BEIJING_OFFSET_MS, beijingDateTime, sceneTexts, type SceneVars } from './scene-texts'
import { fitTemplate } from './template-fit'

export const FACT_TEMPLATE_PAUSED = 'template-paused-until'
export const templateErrorFact = (scene: string) => `template-error:${scene}`

/** Stable per delivery: the platform sends the same openid + client_msg_id once, so a retried send cannot double. */
export const clientMsgIdOf = (deliveryId: number) => `notify-${deliveryId}`

const TEMPLATE_CACHE_MS = 5 * 60_000
const templateCache = new WeakMap<Deps, Map<string, { content: string; at: number }>>()

/** The template's content (its keys), listed at most every few minutes per account. */
async function templateContent(deps: Deps, client: Awaited<ReturnType<Deps['oa']['for']>>, templateId: string): Promise<string | null> {
  let cache = templateCache.get(deps)
  if (!cache) templateCache.set(deps, (cache = new Map()))
  const key = `${client.accountId}:${templateId}`
  const hit = cache.get(key)
  if (hit && deps.clock.now() - hit.at < TEMPLATE_CACHE_MS) return hit.content
  const { template_list } = await client.template.list()
  for (const t of template_list) cache.set(`${client.accountId}:${t.template_id}`, { content: t.content, at: deps.clock.now() })
  return cache.get(key)?.content ?? null
}

/** Next Beijing midnight after `now`. */
export function nextBeijingMidnight(now: number): number {
  const day = 24 * 3600_000
  return Math.floor((now + BEIJING_OFFSET_MS) / day) * day + day - BEIJING_OFFSET_MS
}

/**
 * What one send needs besides its rows. The single-send job reads and writes as it goes; a batch shares one read of
 * the pause fact and collects its 'sent' outcomes to write them in one statement.
 */
interface SendContext {
  pausedUntil: () => Promise<number>
  /** The org's OA client (a batch looks its account up once). */
  oa: () => ReturnType<Deps['oa']['for']>
  /** Called once the 45009 pause is recorded, so later sends of a batch wait without calling the platform. */
  paused: (until: number) => void
  sent: (d: DeliveryRow, platformId: string, attempts: number) => Promise<void>
}

const singleSendContext = (deps: Deps, orgId: number): SendContext => ({
  pausedUntil: async () => Number((await findFact(deps.db, orgId, FACT_TEMPLATE_PAUSED)) ?? 0),
  oa: () => deps.oa.for(orgId),
  paused: () => undefined,
  sent: async (d, platformId, attempts) => {
    await setDelivery(deps.db, d.id, { status: 'sent', platform_id: platformId, error: null, attempts, updated_at: deps.clock.now() })
    await applyEarlyReports(deps, d.org_id, d.channel as 'template' | 'sms', [platformId])
  },
})

export async function handleDeliverJob(deps: Deps, job: QueueJobInfo<{ deliveryId: number }>): Promise<void> {
  const d = await findDelivery(deps.db, job.payload.deliveryId)
  if (!d || d.status !== 'pending') return
  const n = await findNotification(deps.db, d.org_id, d.notification_id)
  if (!n) return
  await deliverOne(deps, d, n, job.attempts, job.attempts >= DELIVER_MAX_ATTEMPTS, singleSendContext(deps, d.org_id))
}

/** The send and its outcome on the delivery; throws (after noting why) when the queue should try again. */
async function deliverOne(
  deps: Deps,
  d: DeliveryRow,
  n: NotificationRow,
  attempts: number,
  lastTry: boolean,
  ctx: SendContext,
): Promise<void> {
  const fail = (error: string) => setDelivery(deps.db, d.id, { status: 'failed', error, attempts, updated_at: deps.clock.now() })
  try {
    if (d.channel === 'template') await sendTemplate(deps, d, n, attempts, ctx)
    else if (d.channel === 'sms') await sendSms(deps, d, n, attempts, ctx)
  } catch (err) {
    if (err instanceof PreconditionError) return fail(err.message)
    if (err instanceof PlatformError && isCallerError(err)) return fail(describe(err))
    // Transient: the queue retries with backoff; the last try leaves the reason on the delivery.
    const why = err instanceof PlatformError || err instanceof PlatformTransportError ? describe(err) : String((err as Error).message)
    if (lastTry) return fail(why)
    await setDelivery(deps.db, d.id, { error: `重试中：${why}`, attempts, updated_at: deps.clock.now() })
    throw err
  }
}

/**
 * Sends in flight at once within one batch job. With the platform's ~50 ms answer 10 give ~200 sends/s per job, and
 * with the queue's 16 slots up to 160 are in flight per instance: more only made answers queue up (timeouts) on a busy machine.
 */
export const DELIVER_BATCH_PARALLEL = 10
/** A send of a batch that needs another try waits this long, then goes on as its own notify.deliver job. */
export const BATCH_RETRY_DELAY_MS = 2000

/**
 * First sends of a batch of deliveries (notify.deliver-batch): DELIVER_BATCH_PARALLEL at a time, each wave's 'sent'
 * written in one statement before the next wave starts, so a crash repeats at most one wave (the platform drops the
 * repeats by client_msg_id). A send that needs another try is handed to its own notify.deliver job, which keeps the
 * per-send backoff and attempt budget.
 */
export async function handleDeliverBatchJob(deps: Deps, job: QueueJobInfo<{ deliveryIds: number[] }>): Promise<void> {
  const rows = (await findDeliveries(deps.db, job.payload.deliveryIds)).filter((d) => d.status === 'pending')
  if (rows.length === 0) return
  const orgId = rows[0].org_id
  const notes = new Map((await findNotifications(deps.db, orgId, [...new Set(rows.map((d) => d.notification_id))])).map((n) => [n.id, n]))
  let pause: Promise<number> | null = null
  let oa: ReturnType<Deps['oa']['for']> | null = null
  for (let i = 0; i < rows.length; i += DELIVER_BATCH_PARALLEL) {
    const wave = rows.slice(i, i + DELIVER_BATCH_PARALLEL).filter((d) => d.org_id === orgId)
    const sent: { d: DeliveryRow; platformId: string; attempts: number }[] = []
    const retry: DeliveryRow[] = []
    const ctx: SendContext = {
      pausedUntil: () => (pause ??= findFact(deps.db, orgId, FACT_TEMPLATE_PAUSED).then((v) => Number(v ?? 0))),
      oa: () => {
        // A failed lookup (no OA config yet) is not kept: the next send asks again.
        oa ??= deps.oa.for(orgId).catch((err: unknown) => {
          oa = null
          throw err
        })
        return oa
      },
      paused: (until) => {
        pause = Promise.resolve(until)
      },
      sent: async (d, platformId, attempts) => {
        sent.push({ d, platformId, attempts })
      },
    }
    await Promise.all(
      wave.map(async (d) => {
        const n = notes.get(d.notification_id)
        if (!n) return
        try {
          await deliverOne(deps, d, n, job.attempts, false, ctx)
        } catch {
          retry.push(d)
        }
      }),
    )
    await markDeliveriesSent(
      deps.db,
      sent.map((s) => ({ id: s.d.id, platformId: s.platformId, attempts: s.attempts })),
      deps.clock.now(),
    )
    for (const channel of ['template', 'sms'] as const) {
      const ids = sent.filter((s) => s.d.channel === channel).map((s) => s.platformId)
      if (ids.length > 0) await applyEarlyReports(deps, orgId, channel, ids)
    }
    if (retry.length > 0) {
      await deps.queue.enqueueMany(
        deps.db,
        retry.map((d) => ({
          kind: NOTIFY_DELIVER_JOB,
          payload: { deliveryId: d.id },
          opts: {
            orgId,
            dedupeKey: `${NOTIFY_DELIVER_JOB}:${d.id}`,
            runAfter: deps.clock.now() + BATCH_RETRY_DELAY_MS,
            maxAttempts: DELIVER_MAX_ATTEMPTS,
          },
        })),
      )
    }
  }
}

function describe(err: PlatformError | PlatformTransportError): string {
  if (err instanceof SmsError) return `${err.hint}（${err.code}）`
  if (err instanceof PlatformError) return `${err.hint}（错误码 ${err.errcode}）`
  return `无法连接平台：${err.message}`
}

async function defer(deps: Deps, d: DeliveryRow, until: number, note: string): Promise<void> {
  await setDelivery(deps.db, d.id, { error: note, updated_at: deps.clock.now() })
  await deps.queue.enqueue(
    deps.db,
    NOTIFY_DELIVER_JOB,
    { deliveryId: d.id },
    {
      orgId: d.org_id,
      dedupeKey: `${NOTIFY_DELIVER_JOB}:${d.id}:${until}`,
      runAfter: until,
      maxAttempts: DELIVER_MAX_ATTEMPTS,
    },
  )
}

async function sendTemplate(deps: Deps, d: DeliveryRow, n: NotificationRow, attempts: number, ctx: SendContext): Promise<void> {
  const now = deps.clock.now()
  const pausedUntil = await ctx.pausedUntil()
  if (pausedUntil > now) return defer(deps, d, pausedUntil, `今日模板消息额度已用完，已暂停至 ${beijingDateTime(pausedUntil)} 后发送`)

  const scene = n.scene as Scene
  const settings = await loadNotifySettings(deps, d.org_id)
  const sc = settings.scenes[scene]
  if (!sc.templateId) throw new PreconditionError('通知设置中未选择该场景的模板消息模板')
  const client = await ctx.oa()
  const content = await templateContent(deps, client, sc.templateId)
  if (content === null) throw new PreconditionError(`模板 ${sc.templateId} 已不在公众号的模板列表中，请在通知设置中重新选择`)
  const vars: SceneVars = { ...fromJson<SceneVars>(n.vars, { org_name: '', time: n.created_at }), serial: `NT${n.id}` }
  const fitted = fitTemplate(scene, content, sc.mapping, vars, sceneTexts(scene, vars))
  if (fitted.unfit.length > 0) {
    throw new PreconditionError(`模板关键词 ${fitted.unfit.join('、')} 无法按规则填写，请在通知设置中调整模板映射`)
  }
  const msg: SendTemplateRequest = { touser: d.address, template_id: sc.templateId, data: fitted.data, client_msg_id: clientMsgIdOf(d.id) }
  if (sc.miniAppId) msg.miniprogram = { appid: sc.miniAppId, ...(sc.miniPagePath ? { pagepath: sc.miniPagePath } : {}) }
  else if (sc.jumpUrl) msg.url = sc.jumpUrl
  else if (vars.detail_url) msg.url = vars.detail_url

  try {
    const res = await client.template.send(msg)
    await ctx.sent(d, String(res.msgid), attempts)
  } catch (err) {
    if (!(err instanceof PlatformError)) throw err
    const today = new Date(now + BEIJING_OFFSET_MS).toISOString().slice(0, 10)
    switch (err.errcode) {
      case 43004:
        await markEmployeeUnfollowed(deps.db, d.org_id, d.recipient_id, now)
        await warnAdmins(
          deps,
          d.org_id,
          `unfollowed:${d.recipient_id}:${today}`,
          '员工未关注公众号',
          `员工「${d.recipient_name}」已取消关注公众号，收不到模板消息。请让其重新关注公众号后再绑定。`,
          '员工管理',
          '/employees',
        )
        throw err
      case 45009: {
        const until = nextBeijingMidnight(now)
        await setFact(deps.db, d.org_id, FACT_TEMPLATE_PAUSED, String(until), now)
        ctx.paused(until)
        await warnAdmins(
          deps,
          d.org_id,
          `template-quota:${today}`,
          '模板消息已暂停',
          `公众号今日模板消息调用次数已达上限（45009），模板消息已暂停发送，将于 ${beijingDateTime(until)} 后自动继续。站内信和短信不受影响。`,
        )
        return defer(deps, d, until, `今日模板消息额度已用完（45009），已暂停至 ${beijingDateTime(until)} 后发送`)
      }
      case 47003: {
        const key = /data\.([A-Za-z_][A-Za-z0-9_]*)\.value/.exec(err.errmsg)?.[1] ?? '（未知）'
        const message = `模板参数不符合规则：关键词 ${key} 的值被公众号拒收（47003），请在通知设置中调整该关键词的映射`
        await setFact(deps.db, d.org_id, templateErrorFact(scene), toJson({ key, at: now, message }), now)
        throw new PreconditionError(message)
      }
      default:
        // 43117 / 40241 (too frequent to one openid) and other platform-side codes are retried later by the queue.
        throw err
    }
  }
}

async function sendSms(deps: Deps, d: DeliveryRow, n: NotificationRow, attempts: number, ctx: SendContext): Promise<void> {
  const scene = n.scene as Scene
  const vars = fromJson<SceneVars & { sms_template_id?: string | null }>(n.vars, { org_name: '', time: n.created_at })
  const settings = await loadNotifySettings(deps, d.org_id)
  const templateId = vars.sms_template_id ?? settings.scenes[scene].smsTemplateId
  const params = sceneTexts(scene, vars).smsParams
  if (!templateId || !params) throw new PreconditionError('通知设置中未填写该场景的短信模板 ID')
  const sms = await deps.sms.for(d.org_id)
  const { requestId, statuses } = await sms.client.send([d.address], templateId, params, undefined, settings.scenes[scene].smsSignName)
  const s = statuses[0]
  if (!s) throw new SmsError('SendSms', 'InternalError', 'SendStatusSet is empty', requestId, d.address)
  if (s.code !== 'Ok') throw new SmsError('SendSms', s.code, s.message, requestId, d.address)
  await ctx.sent(d, s.serialNo, attempts)
}

interface ReportFact {
  status: 'delivered' | 'failed'
  error: string | null
}

const reportFact = (channel: string, platformId: string) => `report:${channel}:${platformId}`

/**
 * A platform report (TEMPLATESENDJOBFINISH, SMS 状态回调) closes the sent delivery it names. The report can overtake our
 * own write of 'sent'; it is kept as a fact, and the send path applies it right after writing 'sent'.
 */
export async function closeFromReport(
  deps: Deps,
  orgId: number,
  channel: 'template' | 'sms',
  platformId: string,
  report: ReportFact,
): Promise<boolean> {
  const now = deps.clock.now()
  if ((await closeDeliveryByPlatformId(deps.db, orgId, channel, platformId, report.status, report.error, now)) > 0) return true
  // Not closed: the send has not written 'sent' yet (or the report is a repeat). Keep it for the send path, then try
  // once more in case 'sent' was written in between; the send path reads the fact after writing 'sent', so one of
  // the two always closes it.
  await insertFactOnce(deps.db, orgId, reportFact(channel, platformId), toJson(report), now)
  return (await closeDeliveryByPlatformId(deps.db, orgId, channel, platformId, report.status, report.error, now)) > 0
}

async function applyEarlyReports(deps: Deps, orgId: number, channel: 'template' | 'sms', platformIds: readonly string[]): Promise<void> {
  const found = await findFacts(
    deps.db,
    orgId,
    platformIds.map((id) => reportFact(channel, id)),
  )
  for (const platformId of platformIds) {
    const raw = found.get(reportFact(channel, platformId))
    if (!raw) continue
    const r = fromJson<ReportFact>(raw, { status: 'delivered', error: null })
    await closeDeliveryByPlatformId(deps.db, orgId, channel, platformId, r.status, r.error, deps.clock.now())
  }
}
