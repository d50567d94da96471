// Broadcasts (群发): compose, count, schedule, and dispatch exactly once — batch rows before each add_msg_template, reconcile after a crash.
import { randomBytes } from 'node:crypto'
import type { Deps } from '../../deps'
import { fromJson, toJson } from '../../db/dialect'
import { writeTransaction } from '../../db/transaction'
import { fetchPage } from '../../db/paginate'
import { ConflictError, ForbiddenError, InvalidInputError, notFound, PreconditionError, RateLimitedError } from '../../lib/errors'
import { findConfigByOrg } from '../wecom-config/wecom-config.repository'
import { sendStaffMessage, type StaffMessageResult } from '../staff-messages/staff-messages.service'
import { PlatformError } from '../../platform/errors'
import { TransportFailure } from '../../platform/http'
import type { AddMsgTemplateResponse, Attachment, GroupMsg } from '../../platform/wecom'
import {
  BROADCAST_BATCH_MAX,
  CONVERSION_DAYS_DEFAULT,
  CONVERTED_LEAD_STATUS,
  REMINDS_PER_DAY,
  type BroadcastConversionInput,
  type BroadcastAttachment,
  type BroadcastContent,
  type BroadcastListInput,
  type BroadcastPreviewInput,
  type BroadcastSaveInput,
  type BroadcastStatus,
  type BroadcastTargetListInput,
  type BroadcastTargets,
  type BroadcastUploadImageInput,
  type ReceiveLimitPeriod,
  type TargetStatus,
} from '../../../shared/schemas/broadcast'
import type { Page } from '../../../shared/schemas/common'
import type { LeadStatus } from '../../../shared/schemas/lead'
import { findLeadsInStatusBetween } from '../leads/leads.repository'
import { normalizeMobile } from './broadcasts.csv'
import type { BroadcastBatchRow, BroadcastRow } from './broadcasts.table'
import {
  applyResults,
  claimBatchCall,
  countAtReceiveLimit,
  countClicks,
  countConverted,
  countMatching,
  countTargetsBySender,
  countTargetsByStatus,
  findBatch,
  findBatchExternalUserids,
  findBatchLinks,
  findBatches,
  findBroadcast,
  findDeliveredTargetMobiles,
  findDueScheduled,
  findMedia,
  findPolling,
  findReceiveLimit,
  findSenderCandidates,
  findStaffNames,
  findTakenMsgids,
  insertBatch,
  insertBroadcast,
  insertLinks,
  insertMedia,
  insertTargets,
  listBroadcastsFiltered,
  recordClick,
  periodStart,
  saveReceiveLimit,
  setMediaUploaded,
  setTargetStatus,
  swapRemindTimes,
  targetsFiltered,
  updateBatch,
  updateBroadcastIn,
  type SenderCandidate,
  type TargetScope,
} from './broadcasts.repository'

export const DISPATCH_JOB = 'broadcast.dispatch'
/** A batch left 'calling' is reconciled only after this long, so a call still in flight elsewhere has ended (client timeout 10 s). */
export const RECONCILE_GRACE_MS = 30_000
/** Results are polled this long after submission. */
export const POLL_WINDOW_MS = 3 * 24 * 3600_000
/** get_groupmsg_list_v2 window around the call: clocks of the two sides may differ a little. */
const LIST_WINDOW_S = 10 * 60
const DAY_MS = 24 * 3600_000
/** Batches whose results are read at once; well inside the platform's per-minute budget. */
const POLL_CONCURRENCY = 4

// ---- content and targets ----

function scopeOf(targets: BroadcastTargets): TargetScope {
  if (targets.kind === 'ids') return { kind: 'ids', ids: targets.customerIds }
  if (targets.kind === 'filter') return { kind: 'filter', filter: targets.filter }
  return { kind: 'all' }
}

function contentOf(row: BroadcastRow): BroadcastContent {
  return { text: row.text ?? undefined, attachments: fromJson(row.attachments, []) }
}

/** The platform's per-period cap for one customer. */
export function receiveLimitCount(period: ReceiveLimitPeriod, now: number): number {
  if (period === 'day') return 1
  if (period === 'week') return 7
  const d = new Date(now + 8 * 3600_000)
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate()
}

/**
 * One sender per customer: the staff member the filter names when they follow the customer, otherwise the most
 * recent active relation (as WeCom itself routes a customer without an explicit sender).
 */
export function pickSenders(rows: readonly SenderCandidate[], preferred?: string): Map<number, SenderCandidate> {
  const best = new Map<number, SenderCandidate>()
  for (const r of rows) {
    const cur = best.get(r.customer_id)
    if (!cur) {
      best.set(r.customer_id, r)
      continue
    }
    const rank = (x: SenderCandidate) => (preferred && x.userid === preferred ? 1 : 0)
    if (
      rank(r) > rank(cur) ||
      (rank(r) === rank(cur) && (r.createtime > cur.createtime || (r.createtime === cur.createtime && r.follow_id > cur.follow_id)))
    )
      best.set(r.customer_id, r)
  }
  return best
}

export interface BroadcastPreview {
  matched: number
  /** Matched customers an active relation can reach: the recipients. */
  recipients: number
  skipped: number
  senders: number
  /** add_msg_template calls the send will make. */
  batches: number
  receiveLimit: { period: ReceiveLimitPeriod; perPeriod: number; atLimit: number }
  warnings: string[]
}

/** The recipient count and what the platform will refuse, before anything is sent. */
export async function previewBroadcast(deps: Deps, orgId: number, input: BroadcastPreviewInput): Promise<BroadcastPreview> {
  const scope = scopeOf(input.targets)
  const now = deps.clock.now()
  const matched = await countMatching(deps.db, orgId, scope)
  const chosen = pickSenders(await findSenderCandidates(deps.db, orgId, scope), preferredSender(input.targets))
  const perSender = new Map<string, number>()
  for (const c of chosen.values()) perSender.set(c.userid, (perSender.get(c.userid) ?? 0) + 1)
  let batches = 0
  for (const n of perSender.values()) batches += Math.ceil(n / BROADCAST_BATCH_MAX)
  const period = await findReceiveLimit(deps.db, orgId)
  const perPeriod = receiveLimitCount(period, now)
  const atLimit = await countAtReceiveLimit(deps.db, orgId, scope, periodStart(period, now), perPeriod)
  const warnings: string[] = []
  if (chosen.size === 0) warnings.push('没有可发送的客户：所选客户都没有正常跟进的员工')
  if (matched > chosen.size) warnings.push(`${matched - chosen.size} 位客户已没有正常跟进的员工，将不会收到`)
  if (atLimit > 0) warnings.push(`${atLimit} 位客户本${periodLabel(period)}已收到 ${perPeriod} 条群发，企业微信将不再发送（超出接收上限）`)
  if (input.content) warnings.push(...(await contentWarnings(deps, orgId, input.content)))
  return {
    matched,
    recipients: chosen.size,
    skipped: matched - chosen.size,
    senders: perSender.size,
    batches,
    receiveLimit: { period, perPeriod, atLimit },
    warnings,
  }
}

const periodLabel = (p: ReceiveLimitPeriod) => ({ month: '月', week: '周', day: '日' })[p]

function preferredSender(t: BroadcastTargets): string | undefined {
  return t.kind === 'filter' ? t.filter.followUserid : undefined
}

/** What the schema cannot see: media the platform will not accept as they are. */
async function contentWarnings(deps: Deps, orgId: number, c: BroadcastContent): Promise<string[]> {
  const out: string[] = []
  const refs = mediaRefs(c.attachments)
  const known = new Set((await findMedia(deps.db, orgId, refs)).map((m) => m.id))
  for (const [i, a] of c.attachments.entries()) {
    if (a.msgtype !== 'image') continue
    if (a.mediaRef !== undefined && !known.has(a.mediaRef)) out.push(`第 ${i + 1} 个附件的图片已不存在，请重新上传`)
    else if (a.mediaRef === undefined && a.image.media_id)
      out.push(`第 ${i + 1} 个附件是手填的 media_id：临时素材 3 天后失效且无法自动续传，建议改为上传图片`)
  }
  return out
}

const mediaRefs = (atts: readonly BroadcastAttachment[]) =>
  atts.flatMap((a) => (a.msgtype === 'image' && a.mediaRef !== undefined ? [a.mediaRef] : []))

/** A temp media_id lives 3 days; renewed when less than this is left, so a send never carries one about to lapse. */
export const MEDIA_TTL_MS = 3 * 24 * 3600_000
const MEDIA_RENEW_MARGIN_MS = 2 * 3600_000

/** Stores the image and uploads it at once (media/upload), so the composer can show it and the send can renew it. */
export async function uploadBroadcastImage(
  deps: Deps,
  orgId: number,
  input: BroadcastUploadImageInput,
): Promise<{ mediaRef: number; mediaId: string; expiresAt: number }> {
  const bytes = Buffer.from(input.dataBase64, 'base64')
  if (bytes.length < 6) throw new InvalidInputError('图片文件为空或已损坏')
  const now = deps.clock.now()
  const mediaRef = await insertMedia(deps.db, { org_id: orgId, filename: input.filename, data_base64: input.dataBase64, created_at: now })
  const client = await deps.wecom.for(orgId, 'contact')
  const res = await client.media.uploadImage(bytes, input.filename)
  await setMediaUploaded(deps.db, orgId, mediaRef, res.media_id, now)
  return { mediaRef, mediaId: res.media_id, expiresAt: now + MEDIA_TTL_MS }
}

/** The attachments as add_msg_template takes them: uploaded images with a media_id valid for a while yet. */
async function platformAttachments(
  deps: Deps,
  orgId: number,
  client: Awaited<ReturnType<Deps['wecom']['for']>>,
  atts: readonly BroadcastAttachment[],
): Promise<Attachment[]> {
  const media = new Map((await findMedia(deps.db, orgId, mediaRefs(atts))).map((m) => [m.id, m]))
  const out: Attachment[] = []
  for (const a of atts) {
    if (a.msgtype !== 'image' || a.mediaRef === undefined) {
      const { mediaRef: _drop, ...rest } = a as BroadcastAttachment & { mediaRef?: number }
      out.push(rest as Attachment)
      continue
    }
    const m = media.get(a.mediaRef)
    if (!m) throw new PreconditionError('群发中的图片已不存在，请编辑群发重新上传图片')
    let mediaId = m.media_id
    const now = deps.clock.now()
    if (!mediaId || m.uploaded_at === null || Number(m.uploaded_at) + MEDIA_TTL_MS - MEDIA_RENEW_MARGIN_MS <= now) {
      mediaId = (await client.media.uploadImage(Buffer.from(m.data_base64, 'base64'), m.filename)).media_id
      await setMediaUploaded(deps.db, orgId, m.id, mediaId, now)
    }
    out.push({ msgtype: 'image', image: { media_id: mediaId } })
  }
  return out
}

async function checkMediaRefs(deps: Deps, orgId: number, c: BroadcastContent): Promise<void> {
  const refs = mediaRefs(c.attachments)
  if ((await findMedia(deps.db, orgId, refs)).length !== new Set(refs).size) throw new InvalidInputError('图片不存在，请重新上传')
}

// ---- compose, edit, schedule, cancel ----

export async function createBroadcast(
  deps: Deps,
  orgId: number,
  userId: number | null,
  input: BroadcastSaveInput,
): Promise<{ id: number }> {
  const now = deps.clock.now()
  if (input.scheduledAt !== null && input.scheduledAt <= now) throw new InvalidInputError('定时发送时间必须晚于现在')
  await checkMediaRefs(deps, orgId, input.content)
  const id = await insertBroadcast(deps.db, {
    org_id: orgId,
    title: input.title,
    text: input.content.text ?? null,
    attachments: toJson(input.content.attachments),
    targets: toJson(input.targets),
    status: input.scheduledAt !== null ? 'scheduled' : 'draft',
    scheduled_at: input.scheduledAt,
    remind_times: '[]',
    created_by: userId,
    created_at: now,
    updated_at: now,
  })
  return { id }
}

async function broadcastOrThrow(deps: Deps, orgId: number, id: number): Promise<BroadcastRow> {
  return (await findBroadcast(deps.db, orgId, id)) ?? notFound('群发', id)
}

/** Editable until it starts; a change that lost the race to the start is refused, not applied to a sent broadcast. */
export async function updateBroadcast(deps: Deps, orgId: number, input: BroadcastSaveInput & { id: number }): Promise<void> {
  await broadcastOrThrow(deps, orgId, input.id)
  const now = deps.clock.now()
  if (input.scheduledAt !== null && input.scheduledAt <= now) throw new InvalidInputError('定时发送时间必须晚于现在')
  await checkMediaRefs(deps, orgId, input.content)
  const n = await updateBroadcastIn(deps.db, orgId, input.id, ['draft', 'scheduled'], {
    title: input.title,
    text: input.content.text ?? null,
    attachments: toJson(input.content.attachments),
    targets: toJson(input.targets),
    status: input.scheduledAt !== null ? 'scheduled' : 'draft',
    scheduled_at: input.scheduledAt,
    updated_at: now,
  })
  if (n === 0) throw new ConflictError('群发已开始发送或已取消，不能再修改')
}

/** Starts the send: the status change and the dispatch job commit together, and only one caller moves the row. */
export async function sendBroadcast(deps: Deps, orgId: number, id: number): Promise<void> {
  await broadcastOrThrow(deps, orgId, id)
  const started = await startSending(deps, orgId, id, ['draft', 'scheduled'])
  if (!started) throw new ConflictError('群发已开始发送或已取消')
}

async function startSending(deps: Deps, orgId: number, id: number, from: BroadcastStatus[]): Promise<boolean> {
  const now = deps.clock.now()
  return writeTransaction(deps.db, async (trx) => {
    const n = await updateBroadcastIn(trx, orgId, id, from, { status: 'sending', started_at: now, updated_at: now })
    if (n === 0) return false
    await deps.queue.enqueue(trx, DISPATCH_JOB, { orgId, broadcastId: id }, { orgId, dedupeKey: `broadcast-dispatch:${id}` })
    return true
  })
}

/** The cron sweep: every due scheduled broadcast starts once, whichever instance gets to it. */
export async function startDueBroadcasts(deps: Deps, limit = 100): Promise<number> {
  let started = 0
  for (const b of await findDueScheduled(deps.db, deps.clock.now(), limit)) {
    if (await startSending(deps, b.org_id, b.id, ['scheduled'])) started++
  }
  return started
}

/**
 * Before it starts: nothing was sent, the row is canceled. After: members can no longer confirm
 * (cancel_groupmsg_send); what was delivered stays delivered.
 */
export async function cancelBroadcast(deps: Deps, orgId: number, id: number): Promise<{ canceledTasks: number }> {
  const b = await broadcastOrThrow(deps, orgId, id)
  const now = deps.clock.now()
  if (b.status === 'canceled') throw new ConflictError('群发已取消')
  if (await updateBroadcastIn(deps.db, orgId, id, ['draft', 'scheduled'], { status: 'canceled', canceled_at: now, updated_at: now }))
    return { canceledTasks: 0 }
  if ((await updateBroadcastIn(deps.db, orgId, id, ['sending', 'sent'], { status: 'canceled', canceled_at: now, updated_at: now })) === 0)
    throw new ConflictError('群发状态已变化，请刷新后重试')
  const client = await deps.wecom.for(orgId, 'contact')
  let canceledTasks = 0
  for (const batch of await findBatches(deps.db, orgId, id)) {
    if (batch.status !== 'submitted' || !batch.msgid || batch.task_status === 2) continue
    await client.groupMsg.cancel(batch.msgid)
    canceledTasks++
  }
  return { canceledTasks }
}

/** Reminds the members who have not confirmed yet; WeCom allows 3 reminders per task within 24 h. */
export async function remindBroadcast(deps: Deps, orgId: number, id: number): Promise<{ reminded: number; remaining: number }> {
  const b = await broadcastOrThrow(deps, orgId, id)
  if (b.status !== 'sent') throw new PreconditionError('群发提交完成后才能提醒员工发送')
  const now = deps.clock.now()
  const recent = fromJson<number[]>(b.remind_times, []).filter((t) => now - t < DAY_MS)
  if (recent.length >= REMINDS_PER_DAY) {
    const retryAfterSec = Math.ceil((recent[0] + DAY_MS - now) / 1000)
    throw new RateLimitedError(`24 小时内最多提醒 ${REMINDS_PER_DAY} 次，请 ${Math.ceil(retryAfterSec / 3600)} 小时后再试`, retryAfterSec)
  }
  // The slot is taken before the calls: two admins clicking at once cannot both use the last one.
  if ((await swapRemindTimes(deps.db, orgId, id, b.remind_times, toJson([...recent, now]), now)) === 0)
    throw new ConflictError('其他管理员刚刚提醒过，请刷新后查看剩余次数')
  const pending = (await findBatches(deps.db, orgId, id)).filter((x) => x.status === 'submitted' && x.msgid && x.task_status !== 2)
  const client = await deps.wecom.for(orgId, 'contact')
  for (const batch of pending) await client.groupMsg.remind(batch.msgid as string)
  return { reminded: pending.length, remaining: REMINDS_PER_DAY - recent.length - 1 }
}

export function remindsLeft(b: Pick<BroadcastRow, 'remind_times'>, now: number): number {
  return Math.max(0, REMINDS_PER_DAY - fromJson<number[]>(b.remind_times, []).filter((t) => now - t < DAY_MS).length)
}

// ---- dispatch ----

/** Test seams standing for a process that dies around the platform call; production passes none. */
export interface DispatchHooks {
  beforeCall?(batch: BroadcastBatchRow): Promise<void> | void
  afterCall?(batch: BroadcastBatchRow, res: AddMsgTemplateResponse): Promise<void> | void
}

/** Raised while a batch may still be in flight elsewhere: the queue tries again after its backoff. */
export class BatchInFlightError extends Error {
  override name = 'BatchInFlightError'
}

/**
 * Resolves the targets once (one transaction writes every batch and target row), then submits each batch with one
 * add_msg_template. Safe to run again at any point: a submitted batch is skipped, a 'calling' one is reconciled
 * against the platform's list first, so no batch is ever created twice.
 */
export async function dispatchBroadcast(
  deps: Deps,
  orgId: number,
  id: number,
  hooks: DispatchHooks = {},
): Promise<{ batches: number; calls: number }> {
  let b = await broadcastOrThrow(deps, orgId, id)
  if (b.status !== 'sending') return { batches: 0, calls: 0 }
  if (b.resolved_at === null) {
    await resolveTargets(deps, b)
    b = await broadcastOrThrow(deps, orgId, id)
  }
  const client = await deps.wecom.for(orgId, 'contact')
  const content = contentOf(b)
  // Built at the first call only: renewing an image's media_id is an upload.
  let attachments: Attachment[] | null = null
  let calls = 0
  const batches = await findBatches(deps.db, orgId, id)
  for (const batch of batches) {
    if (batch.status === 'submitted' || batch.status === 'failed') continue
    // A cancel in the middle stops what has not been sent.
    const cur = await findBroadcast(deps.db, orgId, id)
    if (cur?.status !== 'sending') return { batches: batches.length, calls }
    if (batch.status === 'calling') {
      if (deps.clock.now() - (batch.called_at ?? 0) < RECONCILE_GRACE_MS)
        throw new BatchInFlightError(`batch ${batch.id} may still be in flight; reconciled after ${RECONCILE_GRACE_MS} ms`)
      const found = await reconcileBatch(deps, client, content, batch)
      if (found) {
        await markSubmitted(deps, batch, found, null, true)
        continue
      }
    }
    const won = await claimBatchCall(deps.db, orgId, batch.id, { status: batch.status, calledAt: batch.called_at }, deps.clock.now())
    const claimed = (await findBatch(deps.db, orgId, batch.id)) as BroadcastBatchRow
    if (!won) {
      // Another worker took it in between: done is done, anything else is its call in flight.
      if (claimed.status === 'submitted' || claimed.status === 'failed') continue
      throw new BatchInFlightError(`batch ${batch.id} was taken by another worker`)
    }
    await hooks.beforeCall?.(claimed)
    calls++
    let res: AddMsgTemplateResponse
    try {
      res = await client.groupMsg.addTemplate({
        chat_type: 'single',
        sender: batch.sender,
        external_userid: await findBatchExternalUserids(deps.db, orgId, batch.id),
        ...(content.text ? { text: { content: content.text } } : {}),
        ...(content.attachments.length
          ? {
              attachments: await trackedAttachments(
                deps,
                claimed,
                (attachments ??= await platformAttachments(deps, orgId, client, content.attachments)),
              ),
            }
          : {}),
      })
    } catch (err) {
      await settleFailedCall(deps, claimed, err)
      throw err
    }
    await hooks.afterCall?.(claimed, res)
    await markSubmitted(deps, claimed, res.msgid, res.fail_list ?? [], false)
    // Canceled while this call was out: cancel found no msgid to stop, so this task is stopped here.
    if ((await findBroadcast(deps.db, orgId, id))?.status === 'canceled') {
      await client.groupMsg.cancel(res.msgid)
      return { batches: batches.length, calls }
    }
  }
  // Only when every batch is settled: a batch another worker still holds keeps the broadcast 'sending'.
  const open = (await findBatches(deps.db, orgId, id)).filter((x) => x.status === 'pending' || x.status === 'calling')
  if (open.length > 0) throw new BatchInFlightError(`${open.length} batches of broadcast ${id} are not settled yet`)
  const now = deps.clock.now()
  await updateBroadcastIn(deps.db, orgId, id, ['sending'], {
    status: 'sent',
    submitted_at: now,
    poll_until: now + POLL_WINDOW_MS,
    updated_at: now,
  })
  return { batches: batches.length, calls }
}

/** One transaction: batch rows per sender (≤ 10 000 each), then every target already pointing at its batch. */
async function resolveTargets(deps: Deps, b: BroadcastRow): Promise<void> {
  const targets = fromJson<BroadcastTargets>(b.targets, { kind: 'all' })
  const scope = scopeOf(targets)
  const now = deps.clock.now()
  await writeTransaction(deps.db, async (trx) => {
    // Read again inside: a second worker that resolved meanwhile leaves nothing to do.
    const fresh = await findBroadcast(trx, b.org_id, b.id)
    if (!fresh || fresh.resolved_at !== null) return
    const matched = await countMatching(trx, b.org_id, scope)
    const chosen = pickSenders(await findSenderCandidates(trx, b.org_id, scope), preferredSender(targets))
    const bySender = new Map<string, SenderCandidate[]>()
    for (const c of chosen.values()) {
      let list = bySender.get(c.userid)
      if (!list) bySender.set(c.userid, (list = []))
      list.push(c)
    }
    for (const [sender, list] of [...bySender].sort(([a], [b2]) => a.localeCompare(b2))) {
      list.sort((x, y) => x.customer_id - y.customer_id)
      for (let seq = 0; seq * BROADCAST_BATCH_MAX < list.length; seq++) {
        const part = list.slice(seq * BROADCAST_BATCH_MAX, (seq + 1) * BROADCAST_BATCH_MAX)
        const batchId = await insertBatch(trx, {
          org_id: b.org_id,
          broadcast_id: b.id,
          sender,
          seq,
          status: 'pending',
          target_count: part.length,
          created_at: now,
          updated_at: now,
        })
        await insertLinks(
          trx,
          linkPositions(contentOf(b)).map((position) => ({
            org_id: b.org_id,
            broadcast_id: b.id,
            batch_id: batchId,
            position,
            token: randomBytes(12).toString('base64url'),
            url: (contentOf(b).attachments[position] as { link: { url: string } }).link.url,
            created_at: now,
          })),
        )
        await insertTargets(
          trx,
          part.map((c) => ({
            org_id: b.org_id,
            broadcast_id: b.id,
            batch_id: batchId,
            customer_id: c.customer_id,
            external_userid: c.external_userid,
            sender,
            status: 'pending' as const,
            send_time: null,
            updated_at: now,
          })),
        )
      }
    }
    await updateBroadcastIn(trx, b.org_id, b.id, ['sending'], {
      resolved_at: now,
      target_count: chosen.size,
      skipped_count: matched - chosen.size,
      updated_at: now,
    })
  })
}

async function markSubmitted(
  deps: Deps,
  batch: BroadcastBatchRow,
  msgid: string,
  failList: string[] | null,
  reconciled: boolean,
): Promise<void> {
  const now = deps.clock.now()
  await writeTransaction(deps.db, async (trx) => {
    await setTargetStatus(trx, batch.org_id, batch.id, 'not_sent', now, { onlyStatus: 'pending' })
    const failed = failList?.length ? await setTargetStatus(trx, batch.org_id, batch.id, 'invalid', now, { externalUserids: failList }) : 0
    await updateBatch(trx, batch.org_id, batch.id, {
      status: 'submitted',
      msgid,
      submitted_at: now,
      fail_count: failed,
      reconciled: reconciled ? 1 : 0,
      error: null,
      updated_at: now,
    })
  })
}

/**
 * After a failed call: a definite refusal created nothing (a permanent one fails the batch, any other puts it back
 * to pending); an answer that never came leaves the row 'calling' for reconciliation.
 */
async function settleFailedCall(deps: Deps, batch: BroadcastBatchRow, err: unknown): Promise<void> {
  const now = deps.clock.now()
  const definite = err instanceof PlatformError || (err instanceof TransportFailure && !err.ambiguous)
  if (!definite) return
  if (err instanceof PlatformError && !isRetryableCode(err.errcode)) {
    await writeTransaction(deps.db, async (trx) => {
      await updateBatch(trx, batch.org_id, batch.id, { status: 'failed', error: err.message.slice(0, 500), updated_at: now })
      await setTargetStatus(trx, batch.org_id, batch.id, 'invalid', now)
    })
    return
  }
  await updateBatch(deps.db, batch.org_id, batch.id, { status: 'pending', called_at: null, error: describe(err), updated_at: now })
}

const isRetryableCode = (code: number) => code === -1 || code === 45009 || code === 45033
const describe = (err: unknown) => (err instanceof Error ? err.message : String(err)).slice(0, 500)

function sameContent(m: GroupMsg, c: BroadcastContent): boolean {
  if ((m.text?.content ?? '') !== (c.text ?? '')) return false
  const got = m.attachments ?? []
  if (got.length !== c.attachments.length) return false
  return got.every((a, i) => a.msgtype === c.attachments[i].msgtype)
}

/**
 * Looks for the task an interrupted call may have created: same content, created around the call, not held by another
 * batch, with a task for this batch's sender that holds one of this batch's customers.
 */
async function reconcileBatch(
  deps: Deps,
  client: Awaited<ReturnType<Deps['wecom']['for']>>,
  content: BroadcastContent,
  batch: BroadcastBatchRow,
): Promise<string | null> {
  const at = Math.floor((batch.called_at ?? deps.clock.now()) / 1000)
  const candidates: string[] = []
  for await (const m of client.groupMsg.iterateListV2({
    chat_type: 'single',
    filter_type: 0,
    start_time: at - LIST_WINDOW_S,
    end_time: at + LIST_WINDOW_S,
    limit: 100,
  })) {
    if (sameContent(m, content)) candidates.push(m.msgid)
  }
  const taken = await findTakenMsgids(deps.db, batch.org_id, candidates)
  const mine = new Set(await findBatchExternalUserids(deps.db, batch.org_id, batch.id))
  for (const msgid of candidates) {
    if (taken.has(msgid)) continue
    let hasSender = false
    for await (const t of client.groupMsg.iterateTask({ msgid, limit: 1000 })) if (t.userid === batch.sender) hasSender = true
    if (!hasSender) continue
    const page = await client.groupMsg.getSendResult({ msgid, userid: batch.sender, limit: 1000 })
    if (page.send_list.some((r) => r.external_userid && mine.has(r.external_userid))) return msgid
  }
  return null
}

const linkPositions = (c: BroadcastContent) => c.attachments.flatMap((a, i) => (a.msgtype === 'link' ? [i] : []))

/** The batch's own tracking URL in each link: `/r/<token>` on our host, redirecting to the admin's URL. */
async function trackedAttachments(deps: Deps, batch: BroadcastBatchRow, atts: Attachment[]): Promise<Attachment[]> {
  const links = new Map((await findBatchLinks(deps.db, batch.org_id, batch.id)).map((l) => [l.position, l.token]))
  return atts.map((a, i) => {
    const token = links.get(i)
    return a.msgtype === 'link' && token ? { ...a, link: { ...a.link, url: trackingUrl(deps, token) } } : a
  })
}

export const trackingUrl = (deps: Deps, token: string) => `${deps.config.publicBaseUrl}/r/${token}`

/**
 * Delivered targets who converted within `days` of delivery: by tag, those who got the tag; by lead status, those
 * whose remark mobile is the phone of a 线索 in that status (已转化 unless chosen) created or last changed in the window.
 */
export async function broadcastConversion(deps: Deps, orgId: number, input: BroadcastConversionInput) {
  const b = await broadcastOrThrow(deps, orgId, input.id)
  const delivered = (await countTargetsByStatus(deps.db, orgId, b.id)).sent ?? 0
  const windowMs = input.days * DAY_MS
  let converted: number
  if (input.by === 'lead') converted = await countLeadConverted(deps, b, input.leadStatus, windowMs)
  else if (input.tagId !== undefined) converted = await countConverted(deps.db, orgId, b.id, input.tagId, windowMs)
  else throw new InvalidInputError('请选择用于统计转化的标签')
  return { delivered, converted, rate: delivered ? converted / delivered : 0 }
}

/**
 * Customers matched by mobile: leads carry a phone, customers carry mobiles in their relations' remarks. A target
 * without its own send time (results not read per customer) counts from the broadcast's submission.
 */
async function countLeadConverted(deps: Deps, b: BroadcastRow, status: LeadStatus, windowMs: number): Promise<number> {
  const byMobile = new Map<string, { customerId: number; sentAt: number }[]>()
  let first = Infinity
  let last = -Infinity
  for (const r of await findDeliveredTargetMobiles(deps.db, b.org_id, b.id)) {
    const sentAt = Number(r.send_time ?? b.submitted_at ?? NaN)
    if (!Number.isFinite(sentAt)) continue
    first = Math.min(first, sentAt)
    last = Math.max(last, sentAt)
    for (const m of fromJson<unknown[]>(r.remark_mobiles, [])) {
      const key = normalizeMobile(String(m))
      let list = byMobile.get(key)
      if (!list) byMobile.set(key, (list = []))
      list.push({ customerId: r.customer_id, sentAt })
    }
  }
  if (byMobile.size === 0) return 0
  const converted = new Set<number>()
  for (const lead of await findLeadsInStatusBetween(deps.db, b.org_id, status, first, last + windowMs)) {
    const created = Number(lead.created_at)
    const changed = Number(lead.updated_at)
    for (const t of byMobile.get(normalizeMobile(lead.phone)) ?? []) {
      const within = (at: number) => at >= t.sentAt && at <= t.sentAt + windowMs
      if (within(created) || within(changed)) converted.add(t.customerId)
    }
  }
  return converted.size
}

// ---- results ----

const RESULT_STATUS: Record<number, TargetStatus> = { 0: 'not_sent', 1: 'sent', 2: 'not_friend', 3: 'over_quota' }

/**
 * Reads each submitted batch's task and, once its sender confirmed, its per-customer results (pages of 1 000);
 * a batch whose final results were read is not asked again.
 */
export async function pollBroadcastResults(deps: Deps, orgId: number, id: number): Promise<{ batches: number; confirmed: number }> {
  await broadcastOrThrow(deps, orgId, id)
  const client = await deps.wecom.for(orgId, 'contact')
  let polled = 0
  let confirmed = 0
  const pollOne = async (batch: BroadcastBatchRow): Promise<void> => {
    if (batch.status !== 'submitted' || !batch.msgid) return
    if (batch.results_at !== null) {
      confirmed++
      return
    }
    polled++
    let task: { status: number; send_time?: number } | undefined
    for await (const t of client.groupMsg.iterateTask({ msgid: batch.msgid, limit: 1000 })) if (t.userid === batch.sender) task = t
    const now = deps.clock.now()
    if (!task || task.status !== 2) return
    const rows: { external_userid: string; status: TargetStatus; send_time: number | null }[] = []
    for await (const r of client.groupMsg.iterateSendResult({ msgid: batch.msgid, userid: batch.sender, limit: 1000 })) {
      if (!r.external_userid) continue
      rows.push({
        external_userid: r.external_userid,
        status: RESULT_STATUS[r.status] ?? 'not_sent',
        send_time: r.send_time ? r.send_time * 1000 : null,
      })
    }
    const sendTime = task.send_time
    await writeTransaction(deps.db, async (trx) => {
      await applyResults(trx, orgId, batch.id, rows, now)
      await updateBatch(trx, orgId, batch.id, {
        task_status: 2,
        confirmed_at: sendTime ? sendTime * 1000 : now,
        results_at: now,
        updated_at: now,
      })
    })
    confirmed++
  }
  // A few batches at a time: 200 senders one after the other would spend most of the round waiting on the network.
  const queue = await findBatches(deps.db, orgId, id)
  await Promise.all(
    Array.from({ length: Math.min(POLL_CONCURRENCY, queue.length) }, async () => {
      for (let b = queue.shift(); b; b = queue.shift()) await pollOne(b)
    }),
  )
  const now = deps.clock.now()
  await updateBroadcastIn(deps.db, orgId, id, ['sent', 'canceled'], { polled_at: now, updated_at: now })
  return { batches: polled, confirmed }
}

// ---- reading ----

export interface BroadcastSummary {
  id: number
  title: string
  status: BroadcastStatus
  text: string | null
  attachments: number
  scheduledAt: number | null
  submittedAt: number | null
  targetCount: number
  createdAt: number
}

const summary = (r: BroadcastRow): BroadcastSummary => ({
  id: r.id,
  title: r.title,
  status: r.status,
  text: r.text,
  attachments: fromJson<unknown[]>(r.attachments, []).length,
  scheduledAt: r.scheduled_at === null ? null : Number(r.scheduled_at),
  submittedAt: r.submitted_at === null ? null : Number(r.submitted_at),
  targetCount: r.target_count,
  createdAt: Number(r.created_at),
})

export async function listBroadcasts(deps: Deps, orgId: number, input: BroadcastListInput): Promise<Page<BroadcastSummary>> {
  const { rows, total } = await fetchPage(listBroadcastsFiltered(deps.db, orgId, input), input, (q) =>
    q.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc'),
  )
  return { items: rows.map(summary), total }
}

export interface SenderStats {
  sender: string
  name: string | null
  targets: number
  confirmed: boolean
  counts: Record<TargetStatus, number>
}

export async function getBroadcast(deps: Deps, orgId: number, id: number) {
  const b = await broadcastOrThrow(deps, orgId, id)
  const batches = await findBatches(deps.db, orgId, id)
  const byStatus = await countTargetsByStatus(deps.db, orgId, id)
  const bySender = await countTargetsBySender(deps.db, orgId, id)
  const names = new Map((await findStaffNames(deps.db, orgId, [...new Set(batches.map((x) => x.sender))])).map((s) => [s.userid, s.name]))
  const zero = (): Record<TargetStatus, number> => ({ pending: 0, invalid: 0, not_sent: 0, sent: 0, not_friend: 0, over_quota: 0 })
  const senders = new Map<string, SenderStats>()
  for (const x of batches) {
    const s = senders.get(x.sender) ?? { sender: x.sender, name: names.get(x.sender) ?? null, targets: 0, confirmed: true, counts: zero() }
    s.targets += x.target_count
    s.confirmed = s.confirmed && x.task_status === 2
    senders.set(x.sender, s)
  }
  for (const r of bySender) {
    const s = senders.get(r.sender)
    if (s) s.counts[r.status as TargetStatus] += r.n
  }
  const confirmedTargets = batches.filter((x) => x.task_status === 2).reduce((n, x) => n + x.target_count - x.fail_count, 0)
  const submittedTargets = batches.filter((x) => x.status === 'submitted').reduce((n, x) => n + x.target_count - x.fail_count, 0)
  const counts = { ...zero(), ...byStatus }
  const clicks = await countClicks(deps.db, orgId, id)
  // 线索转化 with the defaults once something was delivered; the conversion tool measures other statuses and windows.
  const leadConverted = counts.sent > 0 ? await countLeadConverted(deps, b, CONVERTED_LEAD_STATUS, CONVERSION_DAYS_DEFAULT * DAY_MS) : 0
  return {
    ...summary(b),
    content: contentOf(b),
    targets: fromJson<BroadcastTargets>(b.targets, { kind: 'all' }),
    skippedCount: b.skipped_count,
    remindsLeft: remindsLeft(b, deps.clock.now()),
    pollUntil: b.poll_until === null ? null : Number(b.poll_until),
    polledAt: b.polled_at === null ? null : Number(b.polled_at),
    counts,
    funnel: {
      targets: b.target_count,
      submitted: submittedTargets,
      confirmed: confirmedTargets,
      delivered: counts.sent,
      clicks: clicks.clicks,
      clickers: clicks.clickers,
      /** Delivered targets with a 已转化 线索 (by mobile) within CONVERSION_DAYS_DEFAULT days of delivery. */
      leadConverted,
      leadConversionDays: CONVERSION_DAYS_DEFAULT,
    },
    senders: [...senders.values()],
    batches: batches.map((x) => ({
      id: x.id,
      sender: x.sender,
      seq: x.seq,
      status: x.status,
      targetCount: x.target_count,
      failCount: x.fail_count,
      msgid: x.msgid,
      reconciled: x.reconciled === 1,
      confirmed: x.task_status === 2,
      error: x.error,
    })),
  }
}

export async function listBroadcastTargets(deps: Deps, orgId: number, input: BroadcastTargetListInput) {
  await broadcastOrThrow(deps, orgId, input.id)
  const { rows, total } = await fetchPage(targetsFiltered(deps.db, orgId, input.id, input.status), input, (q) =>
    q.select(['t.id', 't.customer_id', 'c.name', 't.external_userid', 't.sender', 't.status', 't.send_time']).orderBy('t.id'),
  )
  return {
    total,
    items: rows.map((r) => ({
      id: r.id,
      customerId: r.customer_id,
      name: r.name,
      externalUserid: r.external_userid,
      sender: r.sender,
      status: r.status,
      sendTime: r.send_time === null ? null : Number(r.send_time),
    })),
  }
}

export async function getBroadcastSettings(deps: Deps, orgId: number) {
  const period = await findReceiveLimit(deps.db, orgId)
  return { receiveLimit: period, perPeriod: receiveLimitCount(period, deps.clock.now()) }
}

export async function setBroadcastSettings(deps: Deps, orgId: number, period: ReceiveLimitPeriod): Promise<void> {
  await saveReceiveLimit(deps.db, orgId, period, deps.clock.now())
}

/** The polling job's round: every broadcast still inside its 3-day window; one org's failure does not stop the others. */
export async function pollDueBroadcasts(
  deps: Deps,
  ctx: { log: Deps['log']; signal?: AbortSignal; progress?: (done: number, total: number) => Promise<void> },
): Promise<{ broadcasts: number; failed: number }> {
  const due = await findPolling(deps.db, deps.clock.now(), 500)
  let failed = 0
  for (const [i, b] of due.entries()) {
    if (ctx.signal?.aborted) break
    try {
      await pollBroadcastResults(deps, b.org_id, b.id)
    } catch (err) {
      failed++
      ctx.log.warn({ err, orgId: b.org_id, broadcastId: b.id }, 'polling broadcast results failed')
    }
    await ctx.progress?.(i + 1, due.length)
  }
  return { broadcasts: due.length, failed }
}

/** Sandbox only (模拟确认): every sender who has not confirmed does so in the emulated client, then results are read. */
export async function simulateConfirm(deps: Deps, orgId: number, id: number): Promise<{ confirmed: number }> {
  if (!deps.config.sandbox) throw new ForbiddenError('仅沙箱模式可以模拟员工确认')
  const control = deps.sandbox
  if (!control) throw new PreconditionError('沙箱未在本服务进程中运行')
  await broadcastOrThrow(deps, orgId, id)
  const config = await findConfigByOrg(deps.db, orgId)
  if (!config) throw new PreconditionError('请先在「企业微信配置」中完成配置')
  let confirmed = 0
  for (const batch of await findBatches(deps.db, orgId, id)) {
    if (batch.status !== 'submitted' || !batch.msgid || batch.task_status === 2) continue
    try {
      control.confirmGroupMsg(config.corp_id, { msgid: batch.msgid, userid: batch.sender })
      confirmed++
    } catch (err) {
      // Already confirmed or canceled in the sandbox: the poll below shows what it holds.
      deps.log.warn({ err, batchId: batch.id }, 'sandbox refused the simulated confirm')
    }
  }
  await pollBroadcastResults(deps, orgId, id)
  return { confirmed }
}

/** A tracking-link click (the public /r/<token> route): the target URL, or undefined for an unknown token. */
export function recordBroadcastClick(deps: Deps, token: string, visitor: string): Promise<string | undefined> {
  return recordClick(deps.db, token, visitor, deps.clock.now())
}

/** 通知员工: a textcard to every sender who has not confirmed yet, pointing them to the pending 群发 in their client. */
export async function nudgeUnconfirmed(deps: Deps, orgId: number, id: number): Promise<StaffMessageResult> {
  const b = await broadcastOrThrow(deps, orgId, id)
  if (b.status !== 'sent') throw new PreconditionError('群发提交完成后才能通知员工')
  const senders = [
    ...new Set((await findBatches(deps.db, orgId, id)).filter((x) => x.status === 'submitted' && x.task_status !== 2).map((x) => x.sender)),
  ]
  if (senders.length === 0) throw new PreconditionError('所有员工都已确认发送，无需通知')
  return sendStaffMessage(deps, orgId, {
    userids: senders,
    title: '有待发送的客户群发',
    description: `「${b.title}」等待你确认发送。请在企业微信「客户联系 - 群发助手」中确认。`,
    url: `${deps.config.publicBaseUrl}/web/broadcasts`,
  })
}
