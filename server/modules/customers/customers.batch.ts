// 批量打标签 / 批量移除标签: one queue job per relation calls WeCom's mark_tag, then updates the local links; progress per run.
import type { Deps } from '../../deps'
import { fromJson, toJson } from '../../db/dialect'
import { DomainError, NotFoundError, notFound } from '../../lib/errors'
import { PlatformError } from '../../platform/errors'
import { isPermanent, type QueueJobInfo } from '../../queue/queue'
import type { CustomerTagBatchInput } from '../../../shared/schemas/customer'
import { findTagsByIds } from '../tags/tags.repository'
import {
  countTagBatchItems,
  findCustomersWithActiveFollows,
  findFailedTagBatchItems,
  findPendingItemIds,
  findTagBatch,
  findTagBatchItem,
  insertTagBatch,
  insertTagBatchItems,
  settleTagBatchItem,
} from './customer-batch.repository'
import { addCustomerTags, removeCustomerTags } from './customers.repository'
import { findLinkRefs, insertCustomerEvents, type CustomerEventInsert } from './customer-events.repository'
import { adminActor, SYSTEM, tagEdits } from './customer-events'

export const TAG_BATCH_JOB = 'customers.tag-batch-item'
/** A relation's call is tried this often (timeouts, -1, 45009) before the item is reported as failed. */
export const TAG_BATCH_ATTEMPTS = 4
const FAILURES_SHOWN = 100
const NO_RELATION = '客户没有正常的跟进关系（已流失），企业微信标签无法打上'

export interface TagBatchProgress {
  id: number
  action: 'add' | 'remove'
  /** Relations (WeCom tags) plus customers without an active relation. */
  total: number
  done: number
  failed: number
  finished: boolean
  failures: { customerId: number; customerName: string; userid: string; staffName: string | null; error: string }[]
}

/**
 * Starts a run: CRM tags change here at once (no WeCom call); each active relation of a selected customer gets an
 * item and a job for the WeCom tags, enqueued in the same transaction as the items (no item without its job).
 */
export async function startTagBatch(deps: Deps, orgId: number, input: CustomerTagBatchInput, adminId: number): Promise<TagBatchProgress> {
  const tags = await findTagsByIds(deps.db, orgId, input.tagIds)
  const missing = [...new Set(input.tagIds)].filter((id) => !tags.some((t) => t.id === id))
  if (missing.length) throw new NotFoundError(`标签 ${missing.join('、')} 不存在，请刷新标签列表后重试`)
  const rows = await findCustomersWithActiveFollows(deps.db, orgId, input.customerIds)
  const found = new Set(rows.map((r) => r.id))
  const gone = [...new Set(input.customerIds)].filter((id) => !found.has(id))
  if (gone.length) throw new NotFoundError(`客户 ${gone.slice(0, 5).join('、')}${gone.length > 5 ? ' 等' : ''} 不存在，请刷新列表后重试`)

  const wecomTags = tags.filter((t) => t.source === 'wecom')
  const crmTags = tags.filter((t) => t.source === 'crm')
  const now = deps.clock.now()
  const batchId = await deps.db.transaction().execute(async (trx) => {
    const id = await insertTagBatch(trx, {
      org_id: orgId,
      action: input.action,
      tag_refs: toJson(wecomTags.map((t) => t.id)),
      customers: found.size,
      created_by: adminId,
      created_at: now,
    })
    const refs = crmTags.map((t) => t.id)
    const events: CustomerEventInsert[] = []
    for (const customerId of refs.length ? found : []) {
      const before = await findLinkRefs(trx, orgId, customerId, '')
      if (input.action === 'add')
        await addCustomerTags(
          trx,
          orgId,
          customerId,
          refs.map((tag_ref) => ({ tag_ref, userid: '' })),
          now,
        )
      else await removeCustomerTags(trx, orgId, customerId, '', refs)
      const after = await findLinkRefs(trx, orgId, customerId, '')
      events.push(...tagEdits({ orgId, customerId, userid: '', actor: adminActor(adminId), at: now, now }, before, after))
    }
    await insertCustomerEvents(trx, events)
    if (wecomTags.length) {
      await insertTagBatchItems(
        trx,
        rows.map((r) => ({
          batch_id: id,
          org_id: orgId,
          customer_id: r.id,
          userid: r.userid ?? '',
          // WeCom tags sit on a relation; a customer without an active one is reported, not silently skipped.
          status: r.userid === null ? ('failed' as const) : ('pending' as const),
          error: r.userid === null ? NO_RELATION : null,
          updated_at: now,
        })),
      )
      const pending = await findPendingItemIds(trx, id)
      await deps.queue.enqueueMany(
        trx,
        pending.map((itemId) => ({
          kind: TAG_BATCH_JOB,
          payload: { orgId, itemId },
          opts: { orgId, dedupeKey: `tag-batch-item:${itemId}`, maxAttempts: TAG_BATCH_ATTEMPTS },
        })),
      )
    }
    return id
  })
  return tagBatchProgress(deps, orgId, batchId)
}

export async function tagBatchProgress(deps: Deps, orgId: number, batchId: number): Promise<TagBatchProgress> {
  const batch = await findTagBatch(deps.db, orgId, batchId)
  if (!batch) notFound('批量标签任务', batchId)
  const counts = await countTagBatchItems(deps.db, batch.id)
  const failures = await findFailedTagBatchItems(deps.db, batch.id, FAILURES_SHOWN)
  const total = counts.pending + counts.done + counts.failed
  return {
    id: batch.id,
    action: batch.action,
    total,
    done: counts.done,
    failed: counts.failed,
    finished: counts.pending === 0,
    failures: failures.map((f) => ({
      customerId: f.customer_id,
      customerName: f.name,
      userid: f.userid,
      staffName: f.staff_name,
      error: f.error ?? '',
    })),
  }
}

/** What the dialog lists for a failed row: WeCom's hint and errcode, a domain refusal's own text, else a generic hint. */
function failureText(err: unknown): string {
  if (err instanceof PlatformError) return `${err.hint}（错误码 ${err.errcode}）`
  if (err instanceof DomainError) return err.message
  return `企业微信暂时无法处理（已重试 ${TAG_BATCH_ATTEMPTS} 次），请稍后对该客户重试`
}

/** The job of one relation: mark_tag at WeCom first, then the local links; the item settles once. */
export async function runTagBatchItem(deps: Deps, job: QueueJobInfo<{ orgId: number; itemId: number }>): Promise<void> {
  const { orgId, itemId } = job.payload
  const item = await findTagBatchItem(deps.db, orgId, itemId)
  if (!item || item.status !== 'pending') return
  const tags = await findTagsByIds(deps.db, orgId, fromJson<number[]>(item.tag_refs, []))
  const wecom = tags.filter((t) => t.source === 'wecom' && t.tag_id)
  try {
    if (!wecom.length) throw new NotFoundError('所选企业微信标签已被删除')
    const client = await deps.wecom.for(orgId)
    const ids = wecom.map((t) => t.tag_id as string)
    await client.tag.mark({
      userid: item.userid,
      external_userid: item.external_userid,
      ...(item.action === 'add' ? { add_tag: ids } : { remove_tag: ids }),
    })
  } catch (err) {
    // Retried while it may still succeed; the last attempt, or a refusal retrying cannot change, is this row's failure.
    if (!isPermanent(err) && job.attempts < TAG_BATCH_ATTEMPTS) throw err
    const message = failureText(err).slice(0, 500)
    await settleTagBatchItem(deps.db, orgId, itemId, 'failed', message, deps.clock.now())
    return
  }
  const now = deps.clock.now()
  await deps.db.transaction().execute(async (trx) => {
    const before = await findLinkRefs(trx, orgId, item.customer_id, item.userid)
    if (item.action === 'add')
      await addCustomerTags(
        trx,
        orgId,
        item.customer_id,
        wecom.map((t) => ({ tag_ref: t.id, userid: item.userid })),
        now,
      )
    else
      await removeCustomerTags(
        trx,
        orgId,
        item.customer_id,
        item.userid,
        wecom.map((t) => t.id),
      )
    // The timeline names the admin who started the run; the item's key keeps a replayed job from writing it twice.
    const after = await findLinkRefs(trx, orgId, item.customer_id, item.userid)
    const actor = item.created_by === null ? SYSTEM : adminActor(item.created_by)
    const ctx = { orgId, customerId: item.customer_id, userid: item.userid, actor, at: now, now, dedupeKey: `tag-batch-item:${itemId}` }
    await insertCustomerEvents(trx, tagEdits(ctx, before, after))
    await settleTagBatchItem(trx, orgId, itemId, 'done', null, now)
  })
}

export function registerCustomerBatchWorker(deps: Deps): void {
  deps.queue.register<{ orgId: number; itemId: number }>(TAG_BATCH_JOB, (job) => runTagBatchItem(deps, job))
}
