// Queries of broadcasts (群发): target resolution from the customer filter, batches, targets, results; every one is scoped to an org.
import { type Insertable, type Updateable } from 'kysely'
import type { Executor } from '../../db/database'
import { affected, insertedId, num } from '../../db/dialect'
import type {
  BroadcastFilter,
  BroadcastListInput,
  BroadcastStatus,
  ReceiveLimitPeriod,
  TargetStatus,
} from '../../../shared/schemas/broadcast'
import type { BatchStatus, BroadcastBatchesTable, BroadcastsTable, BroadcastTargetsTable } from './broadcasts.table'

const CHUNK = 1000
/** Ids per IN list when a selection is resolved: well under SQLite's and MySQL's bound-parameter caps. */
const ID_CHUNK = 5000

export function chunked<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

/** Which customers: all of the org's, those the filter matches, or a list of ids (checked against the org). */
export type TargetScope = { kind: 'all' } | { kind: 'filter'; filter: BroadcastFilter } | { kind: 'ids'; ids: readonly number[] }

/**
 * The customer list's predicate on `customers as c` (same fields, same meaning), written here so broadcasts do not
 * depend on the list query's internals. Relation and tag predicates are `c.id IN (…)` sets read from the org indexes.
 */
function matching(db: Executor, orgId: number, scope: TargetScope, ids?: readonly number[]) {
  let q = db.selectFrom('customers as c').where('c.org_id', '=', orgId)
  if (ids) q = q.where('c.id', 'in', ids as number[])
  if (scope.kind !== 'filter') return q
  const f = scope.filter
  if (f.status) q = q.where('c.status', '=', f.status)
  if (f.channel) q = q.where('c.channel_state', '=', f.channel)
  if (f.gender !== undefined) q = q.where('c.gender', '=', f.gender)
  if (f.addedFrom !== undefined) q = q.where('c.first_added_at', '>=', f.addedFrom)
  if (f.addedTo !== undefined) q = q.where('c.first_added_at', '<=', f.addedTo)
  if (f.followUserid) {
    const userid = f.followUserid
    q = q.where('c.id', 'in', (eb) =>
      eb
        .selectFrom('customer_follows as ff')
        .select('ff.customer_id')
        .where('ff.org_id', '=', orgId)
        .where('ff.userid', '=', userid)
        .where('ff.status', '!=', 'deleted'),
    )
  }
  const tagIds = [...new Set(f.tagIds ?? [])]
  const tagSets = f.tagMode === 'all' ? tagIds.map((t) => [t]) : tagIds.length ? [tagIds] : []
  for (const set of tagSets) {
    q = q.where('c.id', 'in', (eb) =>
      eb.selectFrom('customer_tags as ct').select('ct.customer_id').where('ct.org_id', '=', orgId).where('ct.tag_ref', 'in', set),
    )
  }
  return q
}

/** The scope in pieces a query can take: one for all/filter, chunks of ids for a selection. */
function pieces(scope: TargetScope): (readonly number[] | undefined)[] {
  return scope.kind === 'ids' ? chunked([...new Set(scope.ids)], ID_CHUNK) : [undefined]
}

export async function countMatching(db: Executor, orgId: number, scope: TargetScope): Promise<number> {
  let n = 0
  for (const ids of pieces(scope)) {
    const r = await matching(db, orgId, scope, ids)
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow()
    n += num(r.n)
  }
  return n
}

export interface SenderCandidate {
  customer_id: number
  external_userid: string
  userid: string
  createtime: number
  follow_id: number
}

/** Every active relation of the matching customers: who could send to them. */
export async function findSenderCandidates(db: Executor, orgId: number, scope: TargetScope): Promise<SenderCandidate[]> {
  const out: SenderCandidate[] = []
  for (const ids of pieces(scope)) {
    const rows = await matching(db, orgId, scope, ids)
      .innerJoin('customer_follows as f', 'f.customer_id', 'c.id')
      .where('f.org_id', '=', orgId)
      .where('f.status', '=', 'active')
      .select(['c.id as customer_id', 'c.external_userid', 'f.userid', 'f.createtime', 'f.id as follow_id'])
      .execute()
    for (const r of rows) out.push({ ...r, createtime: Number(r.createtime) })
  }
  return out
}

/** Start of the receive-limit period containing `now`, in China time (the platform's calendar). */
export function periodStart(period: ReceiveLimitPeriod, now: number): number {
  const CST = 8 * 3600_000
  const d = new Date(now + CST)
  const y = d.getUTCFullYear()
  const m = d.getUTCMonth()
  const day = d.getUTCDate()
  if (period === 'month') return Date.UTC(y, m, 1) - CST
  if (period === 'day') return Date.UTC(y, m, day) - CST
  // Weeks start on Monday.
  const weekday = (d.getUTCDay() + 6) % 7
  return Date.UTC(y, m, day - weekday) - CST
}

/** How many matching customers already received `limit` broadcasts since `since`, by our own records. */
export async function countAtReceiveLimit(db: Executor, orgId: number, scope: TargetScope, since: number, limit: number): Promise<number> {
  let n = 0
  for (const ids of pieces(scope)) {
    const r = await db
      .selectFrom((eb) =>
        eb
          .selectFrom('broadcast_targets as t')
          .select('t.customer_id')
          .where('t.org_id', '=', orgId)
          .where('t.status', '=', 'sent')
          .where('t.send_time', '>=', since)
          .where('t.customer_id', 'in', matching(db, orgId, scope, ids).select('c.id'))
          .groupBy('t.customer_id')
          .having((h) => h.fn.countAll(), '>=', limit)
          .as('x'),
      )
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow()
    n += num(r.n)
  }
  return n
}

// ---- broadcasts ----

export async function insertBroadcast(db: Executor, values: Insertable<BroadcastsTable>): Promise<number> {
  return insertedId(await db.insertInto('broadcasts').values(values).executeTakeFirstOrThrow())
}

export function findBroadcast(db: Executor, orgId: number, id: number) {
  return db.selectFrom('broadcasts').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst()
}

/** Changes the row only while it is in one of `from`; the number of rows changed (0: it moved on meanwhile). */
export async function updateBroadcastIn(
  db: Executor,
  orgId: number,
  id: number,
  from: readonly BroadcastStatus[],
  set: Updateable<BroadcastsTable>,
): Promise<number> {
  return affected(
    await db
      .updateTable('broadcasts')
      .set(set)
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .where('status', 'in', from as BroadcastStatus[])
      .executeTakeFirst(),
  )
}

/** Optimistic write of the reminder times: fails (0) when another reminder was recorded since `before` was read. */
export async function swapRemindTimes(
  db: Executor,
  orgId: number,
  id: number,
  before: string,
  after: string,
  now: number,
): Promise<number> {
  return affected(
    await db
      .updateTable('broadcasts')
      .set({ remind_times: after, updated_at: now })
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .where('remind_times', '=', before)
      .executeTakeFirst(),
  )
}

export function listBroadcastsFiltered(db: Executor, orgId: number, input: Pick<BroadcastListInput, 'status'>) {
  let q = db.selectFrom('broadcasts').where('org_id', '=', orgId)
  if (input.status) q = q.where('status', '=', input.status)
  return q
}

/** Scheduled broadcasts whose time has come, across orgs (the cron job's sweep). */
export function findDueScheduled(db: Executor, now: number, limit: number) {
  return db
    .selectFrom('broadcasts')
    .select(['id', 'org_id'])
    .where('status', '=', 'scheduled')
    .where('scheduled_at', '<=', now)
    .orderBy('scheduled_at')
    .limit(limit)
    .execute()
}

/** Broadcasts whose results are still being polled (the 3 days after submission). */
export function findPolling(db: Executor, now: number, limit: number) {
  return db
    .selectFrom('broadcasts')
    .select(['id', 'org_id'])
    .where('status', '=', 'sent')
    .where('poll_until', '>', now)
    .orderBy('polled_at')
    .limit(limit)
    .execute()
}

// ---- batches and targets ----

export async function insertBatch(db: Executor, values: Insertable<BroadcastBatchesTable>): Promise<number> {
  return insertedId(await db.insertInto('broadcast_batches').values(values).executeTakeFirstOrThrow())
}

export async function insertTargets(db: Executor, rows: readonly Insertable<BroadcastTargetsTable>[]): Promise<void> {
  for (const part of chunked(rows, 500)) await db.insertInto('broadcast_targets').values(part).execute()
}

export function findBatches(db: Executor, orgId: number, broadcastId: number) {
  return db
    .selectFrom('broadcast_batches')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('broadcast_id', '=', broadcastId)
    .orderBy('id')
    .execute()
}

export function findBatch(db: Executor, orgId: number, id: number) {
  return db.selectFrom('broadcast_batches').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst()
}

/**
 * Takes the batch for one add_msg_template call: committed before the call, so a crash leaves a 'calling' row.
 * `calledAt` guards a re-take of a 'calling' row after reconciliation: only the caller that read that value wins.
 */
export async function claimBatchCall(
  db: Executor,
  orgId: number,
  id: number,
  from: { status: BatchStatus; calledAt: number | null },
  now: number,
): Promise<boolean> {
  let q = db
    .updateTable('broadcast_batches')
    .set({ status: 'calling', called_at: now, updated_at: now })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .where('status', '=', from.status)
  q = from.calledAt === null ? q.where('called_at', 'is', null) : q.where('called_at', '=', from.calledAt)
  return affected(await q.executeTakeFirst()) === 1
}

export async function updateBatch(db: Executor, orgId: number, id: number, set: Updateable<BroadcastBatchesTable>): Promise<void> {
  await db.updateTable('broadcast_batches').set(set).where('org_id', '=', orgId).where('id', '=', id).execute()
}

/** Sets the status of a batch's targets: all of them, or those with the given external_userids. */
export async function setTargetStatus(
  db: Executor,
  orgId: number,
  batchId: number,
  status: TargetStatus,
  now: number,
  opts: { externalUserids?: readonly string[]; sendTime?: number | null; onlyStatus?: TargetStatus } = {},
): Promise<number> {
  const run = async (exts?: readonly string[]) => {
    let q = db
      .updateTable('broadcast_targets')
      .set({ status, updated_at: now, ...(opts.sendTime !== undefined ? { send_time: opts.sendTime } : {}) })
      .where('org_id', '=', orgId)
      .where('batch_id', '=', batchId)
    if (exts) q = q.where('external_userid', 'in', exts as string[])
    if (opts.onlyStatus) q = q.where('status', '=', opts.onlyStatus)
    return affected(await q.executeTakeFirst())
  }
  if (!opts.externalUserids) return run()
  let n = 0
  for (const part of chunked(opts.externalUserids)) if (part.length) n += await run(part)
  return n
}

/** Applies polled results grouped by (status, send_time): one UPDATE per group and chunk rather than one per customer. */
export async function applyResults(
  db: Executor,
  orgId: number,
  batchId: number,
  rows: readonly { external_userid: string; status: TargetStatus; send_time: number | null }[],
  now: number,
): Promise<void> {
  const groups = new Map<string, { status: TargetStatus; send_time: number | null; exts: string[] }>()
  for (const r of rows) {
    const key = `${r.status}:${r.send_time ?? ''}`
    let g = groups.get(key)
    if (!g) groups.set(key, (g = { status: r.status, send_time: r.send_time, exts: [] }))
    g.exts.push(r.external_userid)
  }
  for (const g of groups.values()) {
    for (const part of chunked(g.exts)) {
      await db
        .updateTable('broadcast_targets')
        .set({ status: g.status, send_time: g.send_time, updated_at: now })
        .where('org_id', '=', orgId)
        .where('batch_id', '=', batchId)
        .where('external_userid', 'in', part)
        // An invalid target (fail_list) never becomes anything else.
        .where('status', '!=', 'invalid')
        .execute()
    }
  }
}

export async function findBatchExternalUserids(db: Executor, orgId: number, batchId: number): Promise<string[]> {
  return (
    await db
      .selectFrom('broadcast_targets')
      .select('external_userid')
      .where('org_id', '=', orgId)
      .where('batch_id', '=', batchId)
      .orderBy('id')
      .execute()
  ).map((r) => r.external_userid)
}

/** Which of these msgids some batch of the org already holds. */
export async function findTakenMsgids(db: Executor, orgId: number, msgids: readonly string[]): Promise<Set<string>> {
  if (msgids.length === 0) return new Set()
  const rows = await db
    .selectFrom('broadcast_batches')
    .select('msgid')
    .where('org_id', '=', orgId)
    .where('msgid', 'in', msgids as string[])
    .execute()
  return new Set(rows.map((r) => r.msgid as string))
}

export async function countTargetsByStatus(db: Executor, orgId: number, broadcastId: number): Promise<Record<string, number>> {
  const rows = await db
    .selectFrom('broadcast_targets')
    .select(['status', (eb) => eb.fn.countAll().as('n')])
    .where('org_id', '=', orgId)
    .where('broadcast_id', '=', broadcastId)
    .groupBy('status')
    .execute()
  return Object.fromEntries(rows.map((r) => [r.status, num(r.n)]))
}

export async function countTargetsBySender(db: Executor, orgId: number, broadcastId: number) {
  const rows = await db
    .selectFrom('broadcast_targets')
    .select(['sender', 'status', (eb) => eb.fn.countAll().as('n')])
    .where('org_id', '=', orgId)
    .where('broadcast_id', '=', broadcastId)
    .groupBy(['sender', 'status'])
    .execute()
  return rows.map((r) => ({ sender: r.sender, status: r.status, n: num(r.n) }))
}

export function findStaffNames(db: Executor, orgId: number, userids: readonly string[]) {
  if (userids.length === 0) return Promise.resolve([])
  return db
    .selectFrom('wecom_staff')
    .select(['userid', 'name'])
    .where('org_id', '=', orgId)
    .where('userid', 'in', userids as string[])
    .execute()
}

export function targetsFiltered(db: Executor, orgId: number, broadcastId: number, status?: TargetStatus) {
  let q = db
    .selectFrom('broadcast_targets as t')
    .innerJoin('customers as c', 'c.id', 't.customer_id')
    .where('t.org_id', '=', orgId)
    .where('t.broadcast_id', '=', broadcastId)
  if (status) q = q.where('t.status', '=', status)
  return q
}

// ---- settings ----

export async function findReceiveLimit(db: Executor, orgId: number): Promise<ReceiveLimitPeriod> {
  const r = await db.selectFrom('broadcast_settings').select('receive_limit').where('org_id', '=', orgId).executeTakeFirst()
  return r?.receive_limit ?? 'month'
}

export async function saveReceiveLimit(db: Executor, orgId: number, period: ReceiveLimitPeriod, now: number): Promise<void> {
  const done = affected(
    await db
      .updateTable('broadcast_settings')
      .set({ receive_limit: period, updated_at: now })
      .where('org_id', '=', orgId)
      .executeTakeFirst(),
  )
  if (done === 0) {
    // A concurrent first save inserts the same key: the ignored insert is followed by the update that wins either way.
    await db.insertInto('broadcast_settings').values({ org_id: orgId, receive_limit: period, updated_at: now }).ignore().execute()
    await db.updateTable('broadcast_settings').set({ receive_limit: period, updated_at: now }).where('org_id', '=', orgId).execute()
  }
}

// ---- uploaded images ----

export async function insertMedia(
  db: Executor,
  values: { org_id: number; filename: string; data_base64: string; created_at: number },
): Promise<number> {
  return insertedId(await db.insertInto('broadcast_media').values(values).executeTakeFirstOrThrow())
}

export function findMedia(db: Executor, orgId: number, ids: readonly number[]) {
  if (ids.length === 0) return Promise.resolve([])
  return db
    .selectFrom('broadcast_media')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', 'in', ids as number[])
    .execute()
}

export async function setMediaUploaded(db: Executor, orgId: number, id: number, mediaId: string, at: number): Promise<void> {
  await db
    .updateTable('broadcast_media')
    .set({ media_id: mediaId, uploaded_at: at })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .execute()
}

// ---- tracking links ----

export async function insertLinks(
  db: Executor,
  rows: readonly {
    org_id: number
    broadcast_id: number
    batch_id: number
    position: number
    token: string
    url: string
    created_at: number
  }[],
): Promise<void> {
  if (rows.length)
    await db
      .insertInto('broadcast_links')
      .values(rows as never)
      .execute()
}

export function findBatchLinks(db: Executor, orgId: number, batchId: number) {
  return db
    .selectFrom('broadcast_links')
    .select(['position', 'token'])
    .where('org_id', '=', orgId)
    .where('batch_id', '=', batchId)
    .execute()
}

/** Counts a click; the link's target, or undefined for an unknown token. Works across orgs: the token alone names the link. */
export async function recordClick(db: Executor, token: string, visitor: string, now: number): Promise<string | undefined> {
  const link = await db.selectFrom('broadcast_links').select(['id', 'url']).where('token', '=', token).executeTakeFirst()
  if (!link) return undefined
  await db
    .updateTable('broadcast_links')
    .set((eb) => ({ clicks: eb('clicks', '+', 1) }))
    .where('id', '=', link.id)
    .execute()
  await db.insertInto('broadcast_link_visitors').values({ link_id: link.id, visitor, created_at: now }).ignore().execute()
  return link.url
}

export async function countClicks(db: Executor, orgId: number, broadcastId: number): Promise<{ clicks: number; clickers: number }> {
  const c = await db
    .selectFrom('broadcast_links')
    .select((eb) => eb.fn.sum<number>('clicks').as('n'))
    .where('org_id', '=', orgId)
    .where('broadcast_id', '=', broadcastId)
    .executeTakeFirstOrThrow()
  const u = await db
    .selectFrom('broadcast_link_visitors as v')
    .innerJoin('broadcast_links as l', 'l.id', 'v.link_id')
    .select((eb) => eb.fn.count<number>('v.visitor').distinct().as('n'))
    .where('l.org_id', '=', orgId)
    .where('l.broadcast_id', '=', broadcastId)
    .executeTakeFirstOrThrow()
  return { clicks: num(c.n), clickers: num(u.n) }
}

/** Delivered targets who got the tag within the window after delivery: the broadcast's conversion. */
export async function countConverted(db: Executor, orgId: number, broadcastId: number, tagRef: number, windowMs: number): Promise<number> {
  const r = await db
    .selectFrom('broadcast_targets as t')
    .select((eb) => eb.fn.count<number>('t.customer_id').distinct().as('n'))
    .where('t.org_id', '=', orgId)
    .where('t.broadcast_id', '=', broadcastId)
    .where('t.status', '=', 'sent')
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('customer_tags as ct')
          .select('ct.id')
          .whereRef('ct.customer_id', '=', 't.customer_id')
          .where('ct.org_id', '=', orgId)
          .where('ct.tag_ref', '=', tagRef)
          .whereRef('ct.created_at', '>=', 't.send_time')
          .where((e2) => e2('ct.created_at', '<=', e2(e2.ref('t.send_time'), '+', windowMs))),
      ),
    )
    .executeTakeFirstOrThrow()
  return num(r.n)
}

/**
 * Delivered targets with the remark mobiles of the customer's relations (JSON arrays; one row per relation that has
 * any): matched in memory against leads' phones, since the two dialects read JSON arrays differently.
 */
export function findDeliveredTargetMobiles(db: Executor, orgId: number, broadcastId: number) {
  return db
    .selectFrom('broadcast_targets as t')
    .innerJoin('customer_follows as f', (j) => j.onRef('f.customer_id', '=', 't.customer_id').on('f.org_id', '=', orgId))
    .select(['t.customer_id', 't.send_time', 'f.remark_mobiles'])
    .where('t.org_id', '=', orgId)
    .where('t.broadcast_id', '=', broadcastId)
    .where('t.status', '=', 'sent')
    .where('f.status', '<>', 'deleted')
    .where('f.remark_mobiles', '<>', '[]')
    .execute()
}

/** This org's customer ids by external_userid; ids of other orgs are simply absent. */
export async function findCustomerIdsByExternal(
  db: Executor,
  orgId: number,
  externalUserids: readonly string[],
): Promise<Map<string, number>> {
  const out = new Map<string, number>()
  for (const part of chunked([...new Set(externalUserids)], ID_CHUNK)) {
    const rows = await db
      .selectFrom('customers')
      .select(['id', 'external_userid'])
      .where('org_id', '=', orgId)
      .where('external_userid', 'in', part)
      .execute()
    for (const r of rows) out.set(r.external_userid, r.id)
  }
  return out
}

/** Follow relations of this org that carry remark mobiles (JSON arrays), for matching a CSV of mobiles in memory. */
export function findRemarkMobiles(db: Executor, orgId: number) {
  return db
    .selectFrom('customer_follows')
    .select(['customer_id', 'remark_mobiles'])
    .where('org_id', '=', orgId)
    .where('status', '<>', 'deleted')
    .where('remark_mobiles', '<>', '[]')
    .execute()
}
