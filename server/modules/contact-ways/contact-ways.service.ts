// 「联系我」 contact ways: WeCom first, then the local row; channel stats over the follow relations they brought in.
import { forgetCachedContactWays } from './contact-way-cache'
import { ConflictError, ForbiddenError, InvalidInputError, NotFoundError, PreconditionError } from '../../lib/errors'
import type { Insertable, Updateable } from 'kysely'
import { z } from 'zod'
import type { Deps } from '../../deps'
import { fromJson, toJson } from '../../db/dialect'
import { PlatformError } from '../../platform/errors'
import type { AddContactWayRequest, UpdateContactWayRequest } from '../../platform/wecom/contact-way.types'
import { ControlError } from '../../sandbox/errors'
import {
  CHANNEL_PRESETS,
  contactWayRuleIssues,
  type Conclusions,
  type ContactWayCreateInput,
  type ContactWayUpdateInput,
  type WelcomeMessage,
} from '../../../shared/schemas/contact-way'
import { findConfigByOrg } from '../wecom-config/wecom-config.repository'
import type { OrgWecomClient } from '../wecom-config/wecom-client'
import type { ContactWayRow, ContactWaysTable } from './contact-ways.table'
import {
  countAddedByDay,
  countFollowsByWay,
  countLostByDay,
  DAY_MS,
  deleteContactWay,
  findActiveStaff,
  findContactWayById,
  findContactWayByState,
  findUsedStates,
  findWecomTagIds,
  insertContactWay,
  listContactWays,
  setContactWay,
  SHANGHAI_OFFSET_MS,
  type DayCount,
  type FollowCounts,
} from './contact-ways.repository'

/** WeCom's defaults for temp-chat ways (fact sheet A.3), stored so expiry can be computed locally. */
const DEFAULT_EXPIRES_S = 7 * 86400
const DEFAULT_CHAT_EXPIRES_S = 86400

export interface ContactWayCounts {
  /** 累计: since the code exists. */
  added: number
  lost: number
  net: number
  /** 近30天: the last 30 Shanghai days including today, the window the stats dialog opens with. */
  recent: { added: number; lost: number; net: number }
}

/** Start of the 近30天 window: Shanghai midnight 29 days before today's. */
const recentFrom = (now: number) => dayStartOf(now) - 29 * DAY_MS

export interface ContactWayView {
  id: number
  configId: string | null
  type: 1 | 2
  scene: 1 | 2
  style: number | null
  remark: string
  skipVerify: boolean
  state: string
  channelName: string
  userIds: string[]
  partyIds: number[]
  isTemp: boolean
  /** Seconds (temp ways only). */
  expiresIn: number | null
  chatExpiresIn: number | null
  unionid: string | null
  isExclusive: boolean
  conclusions: Conclusions | null
  welcome: WelcomeMessage | null
  tagIds: string[]
  /** Scene 2 only. Download through GET /api/contact-ways/:id/qr.png. */
  qrCode: string | null
  /** Temp ways: when the QR code stops working (epoch ms). */
  expiresAt: number | null
  expired: boolean
  createdBy: number | null
  /** 外部创建: made in the WeCom admin and imported by the customer sync; read-only here. */
  external: boolean
  createdAt: number
  updatedAt: number
  counts: ContactWayCounts
}

function expiresAtOf(row: ContactWayRow): number | null {
  return row.is_temp ? row.created_at + (row.expires_in ?? DEFAULT_EXPIRES_S) * 1000 : null
}

function toView(row: ContactWayRow, counts: FollowCounts | undefined, now: number): ContactWayView {
  const expiresAt = expiresAtOf(row)
  const added = counts?.added ?? 0
  const lost = counts?.lost ?? 0
  return {
    id: row.id,
    configId: row.config_id,
    type: row.type as 1 | 2,
    scene: row.scene as 1 | 2,
    style: row.style,
    remark: row.remark,
    skipVerify: row.skip_verify === 1,
    state: row.external ? row.wecom_state : row.state,
    channelName: row.channel_name,
    userIds: fromJson<string[]>(row.user_ids, []),
    partyIds: fromJson<number[]>(row.party_ids, []),
    isTemp: row.is_temp === 1,
    expiresIn: row.expires_in,
    chatExpiresIn: row.chat_expires_in,
    unionid: row.unionid,
    isExclusive: row.is_exclusive === 1,
    conclusions: fromJson<Conclusions | null>(row.conclusions, null),
    welcome: fromJson<WelcomeMessage | null>(row.welcome, null),
    tagIds: fromJson<string[]>(row.tag_ids, []),
    qrCode: row.qr_code,
    expiresAt,
    expired: expiresAt !== null && expiresAt <= now,
    createdBy: row.created_by,
    external: row.external === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    counts: {
      added,
      lost,
      net: added - lost,
      recent: {
        added: counts?.recentAdded ?? 0,
        lost: counts?.recentLost ?? 0,
        net: (counts?.recentAdded ?? 0) - (counts?.recentLost ?? 0),
      },
    },
  }
}

export async function requireContactWay(deps: Deps, orgId: number, id: number): Promise<ContactWayRow> {
  const row = await findContactWayById(deps.db, orgId, id)
  if (!row) throw new NotFoundError(`渠道活码 ${id} 不存在`)
  return row
}

/** Imported codes belong to whoever made them in the WeCom admin; editing them here would fight that. */
function assertOwnWay(row: ContactWayRow): void {
  if (row.external === 1)
    throw new PreconditionError('该活码是在企业微信管理后台创建的（外部创建），这里只读：请到企业微信管理后台修改或删除')
}

const stateTaken = (state: string) => new ConflictError(`渠道标识 ${state} 已被使用`)

async function assertStateFree(deps: Deps, orgId: number, state: string, exceptId?: number): Promise<void> {
  const other = await findContactWayByState(deps.db, orgId, state)
  if (other && other.id !== exceptId) throw stateTaken(state)
}

/** Members must be the org's active customer-contact staff: WeCom would refuse others, with a less helpful code. */
async function assertKnownStaff(deps: Deps, orgId: number, userIds: readonly string[]): Promise<void> {
  const known = await findActiveStaff(deps.db, orgId, userIds)
  const unknown = userIds.filter((u) => !known.has(u))
  if (unknown.length) {
    throw new InvalidInputError(`以下成员不是本机构可联系客户的在职成员：${unknown.join('、')}（可在「企业微信配置」中测试连接以同步成员）`)
  }
}

async function assertKnownTags(deps: Deps, orgId: number, tagIds: readonly string[]): Promise<void> {
  const known = await findWecomTagIds(deps.db, orgId, tagIds)
  const unknown = tagIds.filter((t) => !known.has(t))
  if (unknown.length) throw new InvalidInputError(`以下标签不是本机构的企业微信标签：${unknown.join('、')}`)
}

/** Cross-field problems as a zod failure, so the client gets the same message shape and fieldErrors as for input. */
function assertRules(issues: { path: string; message: string }[]): void {
  if (issues.length === 0) return
  // Raised through a parse: `new ZodError()` in zod 4 is not an Error, and tRPC would replace such a cause.
  const failed = z.unknown().superRefine((_v, ctx) => {
    for (const i of issues) ctx.addIssue({ code: 'custom', path: [i.path], message: i.message })
  })
  const zod = failed.safeParse(undefined).error
  throw new InvalidInputError(zod?.message ?? '输入无效', { cause: zod })
}

function addRequest(input: ContactWayCreateInput): AddContactWayRequest {
  const common = {
    scene: input.scene,
    style: input.scene === 1 ? input.style : undefined,
    remark: input.remark,
    skip_verify: input.skipVerify,
    state: input.state,
    is_temp: input.isTemp,
    is_exclusive: input.isExclusive,
    ...(input.isTemp
      ? { expires_in: input.expiresIn, chat_expires_in: input.chatExpiresIn, unionid: input.unionid, conclusions: input.conclusions }
      : {}),
  }
  return input.type === 1
    ? { ...common, type: 1, user: [input.userIds[0]] }
    : { ...common, type: 2, user: input.userIds, party: input.partyIds }
}

export async function createContactWay(deps: Deps, orgId: number, userId: number, input: ContactWayCreateInput): Promise<ContactWayView> {
  // Everything we can check ourselves is checked before WeCom gets a way we would then have to delete again.
  await assertStateFree(deps, orgId, input.state)
  await assertKnownStaff(deps, orgId, input.userIds)
  await assertKnownTags(deps, orgId, input.tagIds)
  const client = await deps.wecom.for(orgId)
  const created: { config_id: string; qr_code?: string } = await client.contactWay.add(addRequest(input))
  const now = deps.clock.now()
  const values = {
    org_id: orgId,
    config_id: created.config_id,
    type: input.type,
    scene: input.scene,
    style: input.scene === 1 ? (input.style ?? null) : null,
    remark: input.remark,
    skip_verify: input.skipVerify ? 1 : 0,
    state: input.state,
    channel_name: input.channelName,
    user_ids: toJson(input.type === 1 ? input.userIds.slice(0, 1) : input.userIds),
    party_ids: toJson(input.type === 2 ? input.partyIds : []),
    is_temp: input.isTemp ? 1 : 0,
    expires_in: input.isTemp ? (input.expiresIn ?? DEFAULT_EXPIRES_S) : null,
    chat_expires_in: input.isTemp ? (input.chatExpiresIn ?? DEFAULT_CHAT_EXPIRES_S) : null,
    unionid: input.isTemp ? (input.unionid ?? null) : null,
    is_exclusive: input.isExclusive ? 1 : 0,
    conclusions: input.isTemp && input.conclusions ? toJson(input.conclusions) : null,
    welcome: input.welcome ? toJson(input.welcome) : null,
    tag_ids: toJson(input.tagIds),
    qr_code: created.qr_code ?? null,
    created_by: userId,
    created_at: now,
    updated_at: now,
  } satisfies Insertable<ContactWaysTable>
  const stored = { ...values, external: 0, wecom_state: '' }
  let id: number
  try {
    id = await insertContactWay(deps.db, values)
    forgetCachedContactWays(deps.db, orgId)
  } catch (err) {
    // The way exists at WeCom but not here: take it back, or it would be an orphan nobody can edit or delete.
    await client.contactWay
      .del(created.config_id)
      .catch((delErr: unknown) =>
        deps.log.error({ err: delErr, configId: created.config_id, orgId }, 'could not delete an orphaned contact way at WeCom'),
      )
    // Another admin saved the same state while WeCom was answering.
    if (await findContactWayByState(deps.db, orgId, input.state)) throw stateTaken(input.state)
    throw err
  }
  return toView({ id, ...stored }, undefined, now)
}

export interface ListInput {
  page: number
  pageSize: number
  q?: string
  type?: 1 | 2
  isTemp?: boolean
}

export async function listContactWaysPage(
  deps: Deps,
  orgId: number,
  input: ListInput,
): Promise<{ items: ContactWayView[]; total: number }> {
  const { rows, total } = await listContactWays(deps.db, orgId, input)
  const now = deps.clock.now()
  const counts = await countFollowsByWay(
    deps.db,
    orgId,
    rows.map((r) => r.id),
    recentFrom(now),
  )
  return { total, items: rows.map((r) => toView(r, counts.get(r.id), now)) }
}

export async function getContactWay(deps: Deps, orgId: number, id: number): Promise<ContactWayView> {
  const row = await requireContactWay(deps, orgId, id)
  const now = deps.clock.now()
  const counts = await countFollowsByWay(deps.db, orgId, [id], recentFrom(now))
  return toView(row, counts.get(id), now)
}

export async function updateContactWay(deps: Deps, orgId: number, input: ContactWayUpdateInput): Promise<ContactWayView> {
  const { id, ...patch } = input
  const row = await requireContactWay(deps, orgId, id)
  assertOwnWay(row)
  const view = toView(row, undefined, deps.clock.now())
  if (view.expired) throw new PreconditionError('临时会话二维码已过期，不能再编辑')
  assertRules(
    contactWayRuleIssues({
      type: view.type,
      isTemp: view.isTemp,
      userIds: patch.userIds ?? view.userIds,
      partyIds: patch.partyIds ?? view.partyIds,
      expiresIn: patch.expiresIn,
      chatExpiresIn: patch.chatExpiresIn,
      conclusions: patch.conclusions,
      unionid: patch.unionid,
    }),
  )
  if (patch.state !== undefined && patch.state !== row.state) await assertStateFree(deps, orgId, patch.state, id)
  if (patch.userIds) await assertKnownStaff(deps, orgId, patch.userIds)
  if (patch.tagIds) await assertKnownTags(deps, orgId, patch.tagIds)

  const wecom: Omit<UpdateContactWayRequest, 'config_id'> = {
    remark: patch.remark,
    skip_verify: patch.skipVerify,
    style: view.scene === 1 ? patch.style : undefined,
    state: patch.state,
    user: patch.userIds,
    party: view.type === 2 ? patch.partyIds : undefined,
    ...(view.isTemp
      ? { expires_in: patch.expiresIn, chat_expires_in: patch.chatExpiresIn, unionid: patch.unionid, conclusions: patch.conclusions }
      : {}),
  }
  // Channel name, welcome message and tags live only here; WeCom is called when it has something to change.
  if (Object.values(wecom).some((v) => v !== undefined)) {
    if (!row.config_id) throw new PreconditionError('该渠道活码没有企业微信 config_id，无法同步修改')
    const client = await deps.wecom.for(orgId)
    await client.contactWay.update({ config_id: row.config_id, ...wecom })
  }

  const now = deps.clock.now()
  const set: Updateable<ContactWaysTable> = { updated_at: now }
  if (patch.channelName !== undefined) set.channel_name = patch.channelName
  if (patch.remark !== undefined) set.remark = patch.remark
  if (patch.skipVerify !== undefined) set.skip_verify = patch.skipVerify ? 1 : 0
  if (wecom.style !== undefined) set.style = wecom.style
  if (patch.state !== undefined) set.state = patch.state
  if (patch.userIds !== undefined) set.user_ids = toJson(patch.userIds)
  if (wecom.party !== undefined) set.party_ids = toJson(wecom.party)
  if (wecom.expires_in !== undefined) set.expires_in = wecom.expires_in
  if (wecom.chat_expires_in !== undefined) set.chat_expires_in = wecom.chat_expires_in
  if (wecom.unionid !== undefined) set.unionid = wecom.unionid
  if (wecom.conclusions !== undefined) set.conclusions = toJson(wecom.conclusions)
  if (patch.welcome !== undefined) set.welcome = patch.welcome === null ? null : toJson(patch.welcome)
  if (patch.tagIds !== undefined) set.tag_ids = toJson(patch.tagIds)
  try {
    await setContactWay(deps.db, orgId, id, set)
    forgetCachedContactWays(deps.db, orgId)
  } catch (err) {
    if (patch.state !== undefined && (await findContactWayByState(deps.db, orgId, patch.state))?.id !== id) throw stateTaken(patch.state)
    throw err
  }
  return getContactWay(deps, orgId, id)
}

/** get_contact_way has one parameter, so its 40058 "invalid parameter" means the config_id no longer exists. */
async function goneAtWecom(client: OrgWecomClient, configId: string): Promise<boolean> {
  try {
    await client.contactWay.get(configId)
    return false
  } catch (err) {
    return err instanceof PlatformError && err.errcode === 40058
  }
}

export async function removeContactWay(deps: Deps, orgId: number, id: number): Promise<{ ok: true; alreadyGoneAtWecom: boolean }> {
  const row = await requireContactWay(deps, orgId, id)
  assertOwnWay(row)
  let alreadyGone = false
  if (row.config_id) {
    const client = await deps.wecom.for(orgId)
    try {
      await client.contactWay.del(row.config_id)
    } catch (err) {
      // Deleted at WeCom already (by another tool, or an earlier attempt whose local delete failed): finish the job here.
      if (!(err instanceof PlatformError) || !(await goneAtWecom(client, row.config_id))) throw err
      alreadyGone = true
    }
  }
  await deleteContactWay(deps.db, orgId, id)
  forgetCachedContactWays(deps.db, orgId)
  return { ok: true, alreadyGoneAtWecom: alreadyGone }
}

export async function closeTempChat(deps: Deps, orgId: number, input: { userid: string; externalUserid: string }): Promise<{ ok: true }> {
  const client = await deps.wecom.for(orgId)
  await client.contactWay.closeTempChat({ userid: input.userid, external_userid: input.externalUserid })
  return { ok: true }
}

/** Shanghai midnight of an instant (same arithmetic as the SQL side). */
const dayStartOf = (t: number) => t - ((((t + SHANGHAI_OFFSET_MS) % DAY_MS) + DAY_MS) % DAY_MS)
const dayLabel = (dayStart: number) => new Date(dayStart + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10)

export interface ContactWayStats {
  added: number
  lost: number
  net: number
  /** Every Shanghai day from the first to the last of the range (or of the data), zeros included. */
  byDay: { day: string; added: number; lost: number }[]
}

/** Customers added through the way (createtime) and lost (lost_at) within [from, to] (epoch ms, both inclusive). */
export async function contactWayStats(
  deps: Deps,
  orgId: number,
  input: { id: number; from?: number; to?: number },
): Promise<ContactWayStats> {
  await requireContactWay(deps, orgId, input.id)
  const [added, lost] = await Promise.all([
    countAddedByDay(deps.db, orgId, input.id, input.from, input.to),
    countLostByDay(deps.db, orgId, input.id, input.from, input.to),
  ])
  const days = new Map<number, { added: number; lost: number }>()
  const bucket = (d: number) => days.get(d) ?? days.set(d, { added: 0, lost: 0 }).get(d)!
  const fill = (counts: DayCount[], key: 'added' | 'lost') => {
    for (const c of counts) bucket(c.dayStart)[key] += c.n
  }
  fill(added, 'added')
  fill(lost, 'lost')
  const present = [...days.keys()]
  const first = input.from !== undefined ? dayStartOf(input.from) : present.length ? Math.min(...present) : undefined
  const last = input.to !== undefined ? dayStartOf(input.to) : present.length ? Math.max(...present) : undefined
  const byDay: ContactWayStats['byDay'] = []
  if (first !== undefined && last !== undefined) {
    for (let d = first; d <= last; d += DAY_MS) byDay.push({ day: dayLabel(d), ...(days.get(d) ?? { added: 0, lost: 0 }) })
  }
  const total = (counts: DayCount[]) => counts.reduce((s, c) => s + c.n, 0)
  const addedTotal = total(added)
  const lostTotal = total(lost)
  return { added: addedTotal, lost: lostTotal, net: addedTotal - lostTotal, byDay }
}

/** The suggested channels whose state the org has not used yet. */
export async function channelPresets(deps: Deps, orgId: number): Promise<{ channelName: string; state: string }[]> {
  const used = await findUsedStates(
    deps.db,
    orgId,
    CHANNEL_PRESETS.map((p) => p.state),
  )
  return CHANNEL_PRESETS.filter((p) => !used.has(p.state)).map((p) => ({ channelName: p.channelName, state: p.state }))
}

const CONTROL_ERRORS = { 400: InvalidInputError, 404: NotFoundError, 409: ConflictError } as const

/** Sandbox only: a customer scans the way's QR code, which sends the add_external_contact callback. */
export async function simulateScan(
  deps: Deps,
  orgId: number,
  input: { id: number; externalUserid?: string; name?: string },
): Promise<{ externalUserid: string; userid: string; welcomeCode: string }> {
  if (!deps.config.sandbox) throw new ForbiddenError('仅沙箱模式可以模拟扫码')
  const control = deps.sandbox
  if (!control) throw new PreconditionError('沙箱未在本服务进程中运行')
  const row = await requireContactWay(deps, orgId, input.id)
  const config = await findConfigByOrg(deps.db, orgId)
  if (!row.config_id || !config) throw new PreconditionError('该渠道活码未关联企业微信')
  try {
    const r = await control.scan(config.corp_id, {
      config_id: row.config_id,
      external_userid: input.externalUserid,
      customer: input.externalUserid || !input.name ? undefined : { name: input.name },
      // The admin gets an answer at once; the callback reaches our route on its own.
      wait: false,
    })
    return { externalUserid: r.external_userid, userid: r.userid, welcomeCode: r.welcome_code }
  } catch (err) {
    if (err instanceof ControlError) throw new CONTROL_ERRORS[err.status](`沙箱拒绝了模拟扫码：${err.message}`, { cause: err })
    throw err
  }
}
