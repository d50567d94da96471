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
  findDelivery,
  findFact,
  findNotification,
  insertFactOnce,
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

export async function handleDeliverJob(deps: Deps, job: QueueJobInfo<{ deliveryId: number }>): Promise<void> {
  const d = await findDelivery(deps.db, job.payload.deliveryId)
  if (!d || d.status !== 'pending') return
  const n = await findNotification(deps.db, d.org_id, d.notification_id)
  if (!n) return
  const lastTry = job.attempts >= DELIVER_MAX_ATTEMPTS
  const fail = (error: string) =>
    setDelivery(deps.db, d.id, { status: 'failed', error, attempts: job.attempts, updated_at: deps.clock.now() })
  try {
    if (d.channel === 'template') await sendTemplate(deps, d, n, job.attempts)
    else if (d.channel === 'sms') await sendSms(deps, d, n, job.attempts)
  } catch (err) {
    if (err instanceof PreconditionError) return fail(err.message)
    if (err instanceof PlatformError && isCallerError(err)) return fail(describe(err))
    // Transient: the queue retries with backoff; the last try leaves the reason on the delivery.
    const why = err instanceof PlatformError || err instanceof PlatformTransportError ? describe(err) : String((err as Error).message)
    if (lastTry) return fail(why)
    await setDelivery(deps.db, d.id, { error: `重试中：${why}`, attempts: job.attempts, updated_at: deps.clock.now() })
    throw err
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

async function sendTemplate(deps: Deps, d: DeliveryRow, n: NotificationRow, attempts: number): Promise<void> {
  const now = deps.clock.now()
  const pausedUntil = Number((await findFact(deps.db, d.org_id, FACT_TEMPLATE_PAUSED)) ?? 0)
  if (pausedUntil > now) return defer(deps, d, pausedUntil, `今日模板消息额度已用完，已暂停至 ${beijingDateTime(pausedUntil)} 后发送`)

  const scene = n.scene as Scene
  const settings = await loadNotifySettings(deps, d.org_id)
  const sc = settings.scenes[scene]
  if (!sc.templateId) throw new PreconditionError('通知设置中未选择该场景的模板消息模板')
  const client = await deps.oa.for(d.org_id)
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
    const msgid = String(res.msgid)
    await setDelivery(deps.db, d.id, { status: 'sent', platform_id: msgid, error: null, attempts, updated_at: deps.clock.now() })
    await applyEarlyReport(deps, d.org_id, 'template', msgid)
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

async function sendSms(deps: Deps, d: DeliveryRow, n: NotificationRow, attempts: number): Promise<void> {
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
  await setDelivery(deps.db, d.id, { status: 'sent', platform_id: s.serialNo, error: null, attempts, updated_at: deps.clock.now() })
  await applyEarlyReport(deps, d.org_id, 'sms', s.serialNo)
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
  await insertFactOnce(deps.db, orgId, reportFact(channel, platformId), toJson(report), now)
  return (await closeDeliveryByPlatformId(deps.db, orgId, channel, platformId, report.status, report.error, now)) > 0
}

async function applyEarlyReport(deps: Deps, orgId: number, channel: 'template' | 'sms', platformId: string): Promise<void> {
  const raw = await findFact(deps.db, orgId, reportFact(channel, platformId))
  if (!raw) return
  const r = fromJson<ReportFact>(raw, { status: 'delivered', error: null })
  await closeDeliveryByPlatformId(deps.db, orgId, channel, platformId, r.status, r.error, deps.clock.now())
}
