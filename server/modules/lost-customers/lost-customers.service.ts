// 流失客户: the list of ended relations with who ended them, its CSV export, and the per-org lost-customer alert (immediate, 09:00 digest, off).
import { stringify } from 'csv-stringify/sync'
import type { Executor } from '../../db/database'
import type { Deps } from '../../deps'
import { InvalidInputError } from '../../lib/errors'
import { safeCell, shanghaiTime } from '../../lib/csv'
import {
  LOST_BY_LABELS,
  type LostAlertSettingInput,
  type LostBy,
  type LostFilter,
  type LostListInput,
} from '../../../shared/schemas/lost-customer'
import { agentIdOf, notifyStaff, type StaffNotice } from '../callbacks/staff-notice'
import { findOrgStaffUserids } from '../staff-messages/staff-messages.repository'
import {
  claimDigest,
  countEndedFollows,
  findAlertSetting,
  findDigestOrgs,
  findEndedFollows,
  findFollowCustomerNames,
  saveAlertSetting,
} from './lost-customers.repository'
import type { LostAlertMode } from './lost-customers.table'

type EndedRow = Awaited<ReturnType<typeof findEndedFollows>>[number]

function lostByOf(r: { status: string; lost_by: string | null }): LostBy {
  if (r.status === 'deleted') return 'staff'
  return r.lost_by === 'sync' ? 'sync' : 'customer'
}

function itemOf(r: EndedRow) {
  return {
    followId: r.id,
    customerId: r.customer_id,
    externalUserid: r.external_userid,
    name: r.name,
    avatar: r.avatar,
    userid: r.userid,
    staffName: r.staff_name,
    remark: r.remark,
    addedAt: Number(r.createtime),
    lostAt: Number(r.ended_at),
    lostBy: lostByOf(r),
  }
}

export async function listLostCustomers(deps: Deps, orgId: number, input: LostListInput) {
  const [total, rows] = await Promise.all([
    countEndedFollows(deps.db, orgId, input),
    findEndedFollows(deps.db, orgId, input, { page: input.page, pageSize: input.pageSize }),
  ])
  return { total, items: rows.map(itemOf) }
}

export const LOST_CSV_HEADERS = ['客户', '客户ID', '员工', '员工账号', '备注', '流失方式', '流失时间', '添加时间'] as const

/** CSV 导出 of the filtered list: UTF-8 with a BOM so Excel opens it as Chinese text; cells Excel would run are defused. */
export async function exportLostCustomersCsv(
  deps: Deps,
  orgId: number,
  filter: LostFilter,
): Promise<{ filename: string; content: string }> {
  const rows = (await findEndedFollows(deps.db, orgId, filter, null)).map(itemOf)
  const content = stringify(
    rows.map((r) => [
      safeCell(r.name),
      safeCell(r.externalUserid),
      safeCell(r.staffName ?? ''),
      safeCell(r.userid),
      safeCell(r.remark),
      LOST_BY_LABELS[r.lostBy],
      shanghaiTime(r.lostAt),
      r.addedAt ? shanghaiTime(r.addedAt) : '',
    ]),
    { header: true, columns: [...LOST_CSV_HEADERS], bom: true },
  )
  return { filename: `流失客户-${shanghaiTime(deps.clock.now()).slice(0, 10)}.csv`, content }
}

export interface LostAlertSetting {
  mode: LostAlertMode
  recipients: string[]
}

/** An org that never saved the setting keeps today's behaviour: the staff member is told at once. */
export async function getLostAlertSetting(deps: Deps, orgId: number): Promise<LostAlertSetting> {
  const row = await findAlertSetting(deps.db, orgId)
  if (!row) return { mode: 'immediate', recipients: [] }
  return { mode: row.mode, recipients: JSON.parse(row.recipients) as string[] }
}

export async function updateLostAlertSetting(deps: Deps, orgId: number, input: LostAlertSettingInput): Promise<LostAlertSetting> {
  const recipients = input.mode === 'digest' ? [...new Set(input.recipients)] : []
  const known = await findOrgStaffUserids(deps.db, orgId, recipients)
  const unknown = recipients.filter((u) => !known.has(u))
  if (unknown.length) throw new InvalidInputError(`不是本机构的企业微信成员：${unknown.slice(0, 5).join('、')}，请先同步成员后再选择`)
  await saveAlertSetting(deps.db, orgId, input.mode, recipients, deps.clock.now())
  return { mode: input.mode, recipients }
}

/** The staff member's own notice of a lost customer, sent only when the org's setting says 立即通知员工. */
export async function notifyLostImmediately(deps: Deps, orgId: number, notice: StaffNotice): Promise<void> {
  const setting = await getLostAlertSetting(deps, orgId)
  if (setting.mode !== 'immediate') return
  await notifyStaff(deps, orgId, notice)
}

/** The queue job that tells one staff member about the relations a sync pass found lost. */
export const SYNC_LOST_NOTICE_JOB = 'lost-customers.sync-notice'
/** Names quoted in one notice; a pass that finds more says how many in all. */
const NAMES_PER_NOTICE = 5

export interface SyncLostNoticePayload {
  userid: string
  count: number
  /** The first few of the member's lost relations, whose customers the notice names. */
  followIds: number[]
}

/**
 * 立即通知员工 for relations the customer sync marked lost: one app message per staff member (not one per relation: a
 * pass can find hundreds). Call it in the transaction that marked them, so the notices exist exactly when the marking
 * commits; the dedupe key makes a member's notice for one run a single job. 每日汇总 needs nothing here (the digest
 * counts lost_at), 关闭 sends nothing. Returns how many notices were queued.
 */
export async function queueSyncLostNotices(
  deps: Pick<Deps, 'queue'>,
  trx: Executor,
  orgId: number,
  runId: number,
  lost: readonly { id: number; userid: string }[],
): Promise<number> {
  if (lost.length === 0) return 0
  const setting = await findAlertSetting(trx, orgId)
  if (setting && setting.mode !== 'immediate') return 0
  const byUser = new Map<string, number[]>()
  for (const f of lost) {
    const ids = byUser.get(f.userid)
    if (ids) ids.push(f.id)
    else byUser.set(f.userid, [f.id])
  }
  return deps.queue.enqueueMany(
    trx,
    [...byUser].map(([userid, ids]) => ({
      kind: SYNC_LOST_NOTICE_JOB,
      payload: { userid, count: ids.length, followIds: ids.slice(0, NAMES_PER_NOTICE) } satisfies SyncLostNoticePayload,
      opts: { orgId, dedupeKey: `lost-sync:${orgId}:${runId}:${userid}` },
    })),
  )
}

/** The text of a sync-found loss notice. */
export function syncLostContent(names: readonly string[], count: number): string {
  if (count === 1 && names.length === 1) return `同步发现：客户 ${names[0]} 已不在你的企业微信客户列表中`
  const more = count > names.length ? ' 等' : ''
  return `同步发现：${count} 位客户已不在你的企业微信客户列表中（${names.join('、')}${more}）`
}

/**
 * Sends one queued sync-loss notice. The setting is read again at send time (an admin who just chose 关闭 is obeyed);
 * notifyStaff never throws, so the job never retries a message that may have gone out.
 */
export async function sendSyncLostNotice(deps: Deps, orgId: number, payload: SyncLostNoticePayload): Promise<void> {
  const rows = await findFollowCustomerNames(deps.db, orgId, payload.followIds)
  const names = rows.map((r) => r.name || r.external_userid)
  await notifyLostImmediately(deps, orgId, { userid: payload.userid, content: syncLostContent(names, payload.count) })
}

const DAY_MS = 86_400_000
const SHANGHAI_OFFSET_MS = 8 * 3600_000

/** Yesterday in Beijing time: its key and its [from, to) range in epoch ms. */
export function digestDay(now: number): { day: string; from: number; to: number } {
  const todayStart = Math.floor((now + SHANGHAI_OFFSET_MS) / DAY_MS) * DAY_MS - SHANGHAI_OFFSET_MS
  const from = todayStart - DAY_MS
  return { day: shanghaiTime(from).slice(0, 10), from, to: todayStart }
}

export type DigestResult = {
  orgs: number
  sent: number
}

/**
 * 每日 09:00 汇总: one textcard per chosen recipient with yesterday's lost count. Each card is claimed first by a unique
 * (org, day, userid) row, so a second run, a rerun or another instance sends nothing twice; a send that fails after its
 * claim is logged and not retried, the price of never sending it twice.
 */
export async function runLostDigest(deps: Deps): Promise<DigestResult> {
  const { day, from, to } = digestDay(deps.clock.now())
  const result: DigestResult = { orgs: 0, sent: 0 }
  for (const org of await findDigestOrgs(deps.db)) {
    const recipients = JSON.parse(org.recipients) as string[]
    const count = await countEndedFollows(deps.db, org.org_id, { from, to })
    // A quiet day needs no card.
    if (count === 0 || recipients.length === 0) continue
    result.orgs++
    let agentid: number | null
    let client: Awaited<ReturnType<Deps['wecom']['for']>>
    try {
      client = await deps.wecom.for(org.org_id, 'agent')
      agentid = agentIdOf(client.agentId)
    } catch (err) {
      deps.log.warn({ orgId: org.org_id, err: (err as Error).message }, 'lost digest: no WeCom app')
      continue
    }
    if (agentid === null) continue
    const url = `${deps.config.publicBaseUrl}/web/customers?tab=lost`
    for (const userid of recipients) {
      if (!(await claimDigest(deps.db, { org_id: org.org_id, day, userid, lost_count: count, created_at: deps.clock.now() }))) continue
      try {
        await client.message.send({
          touser: userid,
          msgtype: 'textcard',
          agentid,
          textcard: { title: '流失客户日报', description: `${day} 共流失客户 ${count} 位，点击查看明细`, url, btntxt: '查看' },
        })
        result.sent++
      } catch (err) {
        deps.log.warn({ orgId: org.org_id, userid, err: (err as Error).message }, 'lost digest not sent')
      }
    }
  }
  return result
}
