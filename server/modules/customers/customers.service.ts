// Customers: the filtered list, the profile (its timeline is customers.timeline), and remark/tag edits written to WeCom first, then locally.
import { InvalidInputError, NotFoundError, notFound } from '../../lib/errors'
import type { Deps } from '../../deps'
import { fromJson, toJson } from '../../db/dialect'
import type { CustomerListInput, CustomerUpdateRemarkInput, CustomerUpdateTagsInput } from '../../../shared/schemas/customer'
import type { Page } from '../../../shared/schemas/common'
import { findTagsByIds } from '../tags/tags.repository'
import type { TagSource } from '../tags/tags.table'
import {
  addCustomerTags,
  countCustomers,
  findAllFollows,
  findChannel,
  findContactWayChannels,
  findCustomer,
  findCustomerPage,
  findCustomerPageOf,
  findFollow,
  findFollowsOf,
  findLead,
  findMatchingIds,
  findMatchingIdsCounted,
  findRemarkMatches,
  type CustomerFilter,
  findTagsOf,
  findUsedChannelStates,
  chooseForm,
  DRIVE_MAX,
  MYSQL_FORM,
  mysqlPageForm,
  semiJoinSizes,
  removeCustomerTags,
  updateFollowRemark,
  type CustomerTagLite,
} from './customers.repository'
import type { FollowStatus } from './customers.table'
import { findLinkRefs, insertCustomerEvents } from './customer-events.repository'
import { adminActor, remarkEdits, tagEdits } from './customer-events'
import { findActiveConfiguredOrgIds } from '../wecom-config/wecom-config.repository'
import { isLeaseHeld } from '../../db/lease'
import { DEFAULT_SYNC_HOUR, type CustomerSyncSettingsInput } from '../../../shared/schemas/customer'
import { orgSyncLease, startOrgSync } from './customers.sync'
import { detached } from '../../platform/call-context'
import {
  ensureSyncSettings,
  findAllSyncSettings,
  findLatestSyncRun,
  findRunningSyncRuns,
  findSyncSettings,
  setSyncSettings,
  sumSyncChunks,
} from './customer-sync.repository'

export interface CustomerTagView {
  id: number
  name: string
  groupName: string
  source: TagSource
}

export interface CustomerListItem {
  id: number
  externalUserid: string
  name: string
  avatar: string | null
  gender: number
  corpName: string | null
  channelState: string | null
  channelName: string | null
  status: 'active' | 'lost'
  firstAddedAt: number | null
  follows: { userid: string; staffName: string | null; remark: string; status: FollowStatus }[]
  tags: CustomerTagView[]
}

/** Up to this many matches the list reads them in one pass (ids, then the page by id); above it, count + page. */
export const FEW_MATCHES = 1000

const tagView = (t: CustomerTagLite): CustomerTagView => ({ id: t.id, name: t.name, groupName: t.group_name, source: t.source })

function customerNotFound(id: number): never {
  return notFound('客户', id)
}

/** Above this many matches the total is an estimate, shown as 「10 000+」: counting every match is what costs. */
export const COUNT_CAP = 10_000

export type CustomerListPage = Page<CustomerListItem> & {
  /** False when there are more than `total` (COUNT_CAP) matches: shown as 「10 000+」. */
  totalExact: boolean
}

/** `fewMatches` is the one-pass threshold; tests lower it (and the cap) to drive the count + page path on a small set. */
export async function listCustomers(
  deps: Deps,
  orgId: number,
  input: CustomerListInput,
  fewMatches = FEW_MATCHES,
  countCap = COUNT_CAP,
): Promise<CustomerListPage> {
  const { page, pageSize, sortBy, sortOrder, ...input0 } = input
  const spec = { page, pageSize, sortBy, sortOrder }
  const reach = page * pageSize
  // SQLite: the semi-join sizes pick how every query below reads the relation/tag sets (see chooseForm).
  const sqlite = deps.dialect === 'sqlite'
  // MariaDB: the text search's remark matches are read once and passed on as ids (see CustomerFilter.remarkIds).
  const filter: CustomerFilter = !sqlite && input0.q ? { ...input0, remarkIds: await findRemarkMatches(deps.db, orgId, input0.q) } : input0
  const form = sqlite ? chooseForm(await semiJoinSizes(deps.db, orgId, filter, DRIVE_MAX + 1)) : MYSQL_FORM
  // Few matches: one pass finds them all, which is both the count and where the page comes from. MariaDB counts up to
  // the cap in that same pass, so many matches are not read a second time for the count.
  const counted = sqlite ? undefined : await findMatchingIdsCounted(deps.db, orgId, filter, form, fewMatches + 1, countCap)
  const few = counted ? counted.ids : await findMatchingIds(deps.db, orgId, filter, form, fewMatches + 1)
  let total: number
  let rows: Awaited<ReturnType<typeof findCustomerPage>>
  if (few.length <= fewMatches) {
    total = few.length
    rows = reach - pageSize < total ? await findCustomerPageOf(deps.db, orgId, few, spec) : []
  } else {
    // Many: count them up to the cap (above it the total is shown as an estimate); past the end there is nothing to read.
    total = counted ? counted.total : await countCustomers(deps.db, orgId, filter, form, countCap)
    const pageForm = sqlite ? form : mysqlPageForm(total, reach)
    rows = reach - pageSize < total || total > countCap ? await findCustomerPage(deps.db, orgId, filter, spec, pageForm) : []
  }
  const ids = rows.map((r) => r.id)
  // Two batch queries for the whole page instead of two per row.
  const [follows, tags] = await Promise.all([findFollowsOf(deps.db, orgId, ids), findTagsOf(deps.db, orgId, ids)])
  const followsBy = new Map<number, CustomerListItem['follows']>()
  for (const f of follows) {
    let list = followsBy.get(f.customer_id)
    if (!list) followsBy.set(f.customer_id, (list = []))
    list.push({ userid: f.userid, staffName: f.staff_name, remark: f.remark, status: f.status })
  }
  const tagsBy = new Map<number, Map<number, CustomerTagView>>()
  for (const t of tags) {
    let m = tagsBy.get(t.customer_id)
    if (!m) tagsBy.set(t.customer_id, (m = new Map()))
    // A WeCom tag several staff members put on the customer shows once.
    if (!m.has(t.id)) m.set(t.id, tagView(t))
  }
  return {
    // Above the cap: "countCap or more" (the pager then reaches the first countCap matches; narrowing the filter finds the rest).
    total: Math.min(total, countCap),
    totalExact: total <= countCap,
    items: rows.map((r) => ({
      id: r.id,
      externalUserid: r.external_userid,
      name: r.name,
      avatar: r.avatar,
      gender: r.gender,
      corpName: r.corp_name,
      channelState: r.channel_state,
      channelName: r.channel_name,
      status: r.status,
      firstAddedAt: r.first_added_at === null ? null : Number(r.first_added_at),
      follows: followsBy.get(r.id) ?? [],
      tags: [...(tagsBy.get(r.id)?.values() ?? [])],
    })),
  }
}

export async function getCustomer(deps: Deps, orgId: number, id: number) {
  const c = await findCustomer(deps.db, orgId, id)
  if (!c) customerNotFound(id)
  const [follows, tags, channel, lead] = await Promise.all([
    findAllFollows(deps.db, orgId, c.id),
    findTagsOf(deps.db, orgId, [c.id]),
    findChannel(deps.db, orgId, c.contact_way_id),
    findLead(deps.db, orgId, c.id),
  ])

  return {
    id: c.id,
    externalUserid: c.external_userid,
    name: c.name,
    avatar: c.avatar,
    type: c.type,
    gender: c.gender,
    unionid: c.unionid,
    position: c.position,
    corpName: c.corp_name,
    corpFullName: c.corp_full_name,
    status: c.status,
    firstAddedAt: c.first_added_at === null ? null : Number(c.first_added_at),
    createdAt: Number(c.created_at),
    updatedAt: Number(c.updated_at),
    channel:
      c.channel_state || channel
        ? {
            state: channel ? (channel.external ? channel.wecom_state : channel.state) : c.channel_state,
            channelName: channel?.channel_name ?? null,
            contactWayId: channel?.id ?? null,
          }
        : null,
    follows: follows.map((f) => ({
      userid: f.userid,
      staffName: f.staff_name,
      remark: f.remark,
      description: f.description,
      remarkMobiles: fromJson<string[]>(f.remark_mobiles, []),
      addWay: f.add_way,
      state: f.state,
      operUserid: f.oper_userid,
      createtime: Number(f.createtime),
      status: f.status,
      lostAt: f.lost_at === null ? null : Number(f.lost_at),
      tags: tags.filter((t) => t.userid === f.userid).map(tagView),
    })),
    /** Tags of the CRM itself, not tied to a staff relation. */
    crmTags: tags.filter((t) => t.userid === '').map(tagView),
    lead: lead
      ? {
          id: lead.id,
          source: lead.source,
          status: lead.status,
          channelState: lead.channel_state,
          ownerUserid: lead.owner_userid,
          createdAt: Number(lead.created_at),
        }
      : null,
  }
}

async function customerAndFollow(deps: Deps, orgId: number, id: number, userid: string) {
  const customer = await findCustomer(deps.db, orgId, id)
  if (!customer) customerNotFound(id)
  const follow = await findFollow(deps.db, orgId, customer.id, userid)
  if (!follow) throw new NotFoundError(`员工 ${userid} 不是客户 ${customer.name || id} 的跟进人`)
  return { customer, follow }
}

/** externalcontact/remark first; the local relation changes only after WeCom accepted. */
export async function updateRemark(deps: Deps, orgId: number, input: CustomerUpdateRemarkInput, adminId: number) {
  const { customer, follow } = await customerAndFollow(deps, orgId, input.id, input.userid)
  const client = await deps.wecom.for(orgId)
  await client.externalContact.remark({
    userid: follow.userid,
    external_userid: customer.external_userid,
    remark: input.remark,
    description: input.description,
    // WeCom overwrites the list; [""] is how an empty list is said.
    remark_mobiles: input.remarkMobiles === undefined ? undefined : input.remarkMobiles.length ? input.remarkMobiles : [''],
  })
  const set = {
    ...(input.remark !== undefined ? { remark: input.remark } : {}),
    ...(input.description !== undefined ? { description: input.description } : {}),
    ...(input.remarkMobiles !== undefined ? { remark_mobiles: toJson(input.remarkMobiles) } : {}),
    updated_at: deps.clock.now(),
  }
  const ev = { orgId, customerId: customer.id, userid: follow.userid, actor: adminActor(adminId), at: set.updated_at, now: set.updated_at }
  // The change and its timeline entries in one transaction: neither is kept without the other.
  await deps.db.transaction().execute(async (trx) => {
    await updateFollowRemark(trx, orgId, follow.id, set)
    await insertCustomerEvents(trx, remarkEdits(ev, follow, set))
  })
  return {
    userid: follow.userid,
    remark: set.remark ?? follow.remark,
    description: set.description ?? follow.description,
    remarkMobiles: input.remarkMobiles ?? fromJson<string[]>(follow.remark_mobiles, []),
  }
}

/** WeCom tags through mark_tag on the staff member's relation first; CRM tags only here. */
export async function updateTags(deps: Deps, orgId: number, input: CustomerUpdateTagsInput, adminId: number) {
  const customer = await findCustomer(deps.db, orgId, input.id)
  if (!customer) customerNotFound(input.id)
  const add = [...new Set(input.add)]
  const remove = [...new Set(input.remove)]
  const rows = await findTagsByIds(deps.db, orgId, [...add, ...remove])
  const byId = new Map(rows.map((t) => [t.id, t]))
  const missing = [...add, ...remove].filter((id) => !byId.has(id))
  if (missing.length) throw new NotFoundError(`标签 ${missing.join('、')} 不存在`)
  const pick = (ids: number[], source: TagSource) => ids.map((id) => byId.get(id)!).filter((t) => t.source === source)
  const wecomAdd = pick(add, 'wecom')
  const wecomRemove = pick(remove, 'wecom')

  let userid = ''
  if (wecomAdd.length || wecomRemove.length) {
    if (!input.userid) throw new InvalidInputError('企业微信标签打在员工与客户的关系上，请指定跟进员工')
    const { follow } = await customerAndFollow(deps, orgId, customer.id, input.userid)
    userid = follow.userid
    const client = await deps.wecom.for(orgId)
    await client.tag.mark({
      userid,
      external_userid: customer.external_userid,
      ...(wecomAdd.length ? { add_tag: wecomAdd.map((t) => t.tag_id as string) } : {}),
      ...(wecomRemove.length ? { remove_tag: wecomRemove.map((t) => t.tag_id as string) } : {}),
    })
  }

  const now = deps.clock.now()
  await deps.db.transaction().execute(async (trx) => {
    // What the links were before, per relation ('' = CRM tags), so the timeline records only real changes.
    const owners = [...new Set([userid, ''])]
    const before = await Promise.all(owners.map((u) => findLinkRefs(trx, orgId, customer.id, u)))
    await addCustomerTags(
      trx,
      orgId,
      customer.id,
      [...wecomAdd.map((t) => ({ tag_ref: t.id, userid })), ...pick(add, 'crm').map((t) => ({ tag_ref: t.id, userid: '' }))],
      now,
    )
    await removeCustomerTags(
      trx,
      orgId,
      customer.id,
      userid,
      wecomRemove.map((t) => t.id),
    )
    await removeCustomerTags(
      trx,
      orgId,
      customer.id,
      '',
      pick(remove, 'crm').map((t) => t.id),
    )
    const after = await Promise.all(owners.map((u) => findLinkRefs(trx, orgId, customer.id, u)))
    const actor = adminActor(adminId)
    await insertCustomerEvents(
      trx,
      owners.flatMap((u, i) => tagEdits({ orgId, customerId: customer.id, userid: u, actor, at: now, now }, before[i], after[i])),
    )
  })
  const tags = await findTagsOf(deps.db, orgId, [customer.id])
  return { tags: tags.map((t) => ({ ...tagView(t), userid: t.userid })) }
}

/** Channels for the filter: every contact way's state, plus states customers carry without a contact way (yet). */
export interface ChannelOptionView {
  /** The list filter's `channel`: `way:<id>` for a way's attributed customers, a raw state for the 未归属 ones. */
  value: string
  state: string
  /** The way's name; null for a raw state (未归属渠道). */
  channelName: string | null
  external: boolean
}

export async function listChannels(deps: Deps, orgId: number): Promise<ChannelOptionView[]> {
  const [ways, used] = await Promise.all([findContactWayChannels(deps.db, orgId), findUsedChannelStates(deps.db, orgId)])
  return [
    ...ways.map((w) => ({
      value: `way:${w.id}`,
      state: w.external ? w.wecom_state : w.state,
      channelName: w.channel_name,
      external: w.external === 1,
    })),
    ...used.sort().map((state) => ({ value: state, state, channelName: null, external: false })),
  ]
}

// ---------------------------------------------------------------- sync: schedule, 立即同步, progress

const SHANGHAI_OFFSET_MS = 8 * 3600_000
/** A running pass whose heartbeat is older than this has lost its runner. */
const STALE_HEARTBEAT_MS = 60_000

/** Orgs the hourly tick runs: those whose hour it is, those with a pass a dead runner left; every configured org if `all`. */
export async function dueOrgSyncs(deps: Deps, all: boolean): Promise<number[]> {
  const orgs = (await findActiveConfiguredOrgIds(deps.db)).map((o) => Number(o.id))
  if (all) return orgs
  const now = deps.clock.now()
  const hour = new Date(now + SHANGHAI_OFFSET_MS).getUTCHours()
  const settings = new Map((await findAllSyncSettings(deps.db)).map((s) => [Number(s.org_id), s]))
  const orphaned = new Set(
    (await findRunningSyncRuns(deps.db)).filter((r) => Number(r.heartbeat_at) < now - STALE_HEARTBEAT_MS).map((r) => Number(r.org_id)),
  )
  return orgs.filter((id) => {
    const s = settings.get(id)
    const enabled = s ? s.enabled === 1 : true
    return orphaned.has(id) || (enabled && (s ? Number(s.hour) : DEFAULT_SYNC_HOUR) === hour)
  })
}

/** 立即同步: starts the org's pass here and returns at once; refused (409) while one runs anywhere. */
export async function startSync(deps: Deps, orgId: number): Promise<{ started: true }> {
  // An org without a WeCom configuration is told so now, not through a failed run later.
  await deps.wecom.for(orgId)
  // The pass outlives this request: background work, not something the admin waits for.
  const { finished } = await detached(() => startOrgSync(deps, orgId, { trigger: 'manual' }))
  // Its outcome is on the run row; the page polls syncStatus.
  finished.catch((err) => deps.log.warn({ err, orgId }, 'customer sync failed'))
  return { started: true }
}

export interface SyncStatusView {
  enabled: boolean
  hour: number
  running: boolean
  last: {
    id: number
    status: 'running' | 'succeeded' | 'failed'
    trigger: 'scheduled' | 'manual'
    done: number
    /** Estimated from the previous complete pass; at least done. */
    total: number
    created: number
    updated: number
    unchanged: number
    lost: number
    errors: number
    resumed: number
    error: string | null
    startedAt: number
    finishedAt: number | null
    durationMs: number | null
  } | null
}

export async function syncStatus(deps: Deps, orgId: number): Promise<SyncStatusView> {
  const s = await findSyncSettings(deps.db, orgId)
  const run = await findLatestSyncRun(deps.db, orgId)
  const now = deps.clock.now()
  const running = await isLeaseHeld(deps.db, orgSyncLease(orgId), now)
  let last: SyncStatusView['last'] = null
  if (run) {
    const sums = await sumSyncChunks(deps.db, run.id)
    const finishedAt = run.finished_at == null ? null : Number(run.finished_at)
    last = {
      id: run.id,
      status: run.status,
      trigger: run.trigger,
      done: sums.relations,
      total: run.status === 'succeeded' ? sums.relations : Math.max(Number(run.relations_estimate), sums.relations),
      created: sums.created,
      updated: sums.updated,
      unchanged: sums.unchanged,
      lost: Number(run.lost),
      errors: Number(run.errors),
      resumed: Number(run.resumed),
      error: run.error,
      startedAt: Number(run.started_at),
      finishedAt,
      durationMs: finishedAt === null ? null : finishedAt - Number(run.started_at),
    }
  }
  return { enabled: s ? s.enabled === 1 : true, hour: s ? Number(s.hour) : DEFAULT_SYNC_HOUR, running, last }
}

export async function updateSyncSettings(deps: Deps, orgId: number, input: CustomerSyncSettingsInput): Promise<SyncStatusView> {
  const now = deps.clock.now()
  await ensureSyncSettings(deps.db, orgId, now)
  await setSyncSettings(deps.db, orgId, { enabled: input.enabled ? 1 : 0, hour: input.hour, updated_at: now })
  return syncStatus(deps, orgId)
}
