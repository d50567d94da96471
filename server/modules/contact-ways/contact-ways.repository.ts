// Queries for 「联系我」 contact ways and the follow relations attributed to them; the executor is always the first argument.
import { sql, type Insertable, type RawBuilder, type Updateable } from 'kysely'
import type { Executor } from '../../db/database'
import { fetchPage } from '../../db/paginate'
import { affected, contains, insertedId, num } from '../../db/dialect'
import type { ContactWayRow, ContactWaysTable } from './contact-ways.table'

/** The way a scanning customer came through (the callback worker attributes the channel with it). */
/**
 * The CRM's own code with this state (states are unique among them). An imported code keeps a placeholder in `state`,
 * so it never blocks a new CRM code from using its WeCom state: which of the two brought a customer is decided by
 * creation time in the sync.
 */
export function findContactWayByState(db: Executor, orgId: number, state: string): Promise<ContactWayRow | undefined> {
  return db.selectFrom('contact_ways').selectAll().where('org_id', '=', orgId).where('state', '=', state).executeTakeFirst()
}

export function findContactWayById(db: Executor, orgId: number, id: number): Promise<ContactWayRow | undefined> {
  return db.selectFrom('contact_ways').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst()
}

export async function insertContactWay(db: Executor, values: Insertable<ContactWaysTable>): Promise<number> {
  return insertedId(await db.insertInto('contact_ways').values(values).executeTakeFirstOrThrow())
}

export async function setContactWay(db: Executor, orgId: number, id: number, patch: Updateable<ContactWaysTable>): Promise<number> {
  return affected(await db.updateTable('contact_ways').set(patch).where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst())
}

export async function deleteContactWay(db: Executor, orgId: number, id: number): Promise<number> {
  return affected(await db.deleteFrom('contact_ways').where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst())
}

/** Which of these states the org already uses. */
export async function findUsedStates(db: Executor, orgId: number, states: readonly string[]): Promise<Set<string>> {
  if (states.length === 0) return new Set()
  const rows = await db.selectFrom('contact_ways').select('state').where('org_id', '=', orgId).where('state', 'in', states).execute()
  return new Set(rows.map((r) => r.state))
}

/** Which of these userids are active customer-contact staff of the org. */
export async function findActiveStaff(db: Executor, orgId: number, userids: readonly string[]): Promise<Set<string>> {
  if (userids.length === 0) return new Set()
  const rows = await db
    .selectFrom('wecom_staff')
    .select('userid')
    .where('org_id', '=', orgId)
    .where('status', '=', 'active')
    .where('userid', 'in', userids)
    .execute()
  return new Set(rows.map((r) => r.userid))
}

/** Which of these WeCom corp tag ids the org has mirrored (CRM-only tags have no WeCom id and cannot be marked). */
export async function findWecomTagIds(db: Executor, orgId: number, tagIds: readonly string[]): Promise<Set<string>> {
  if (tagIds.length === 0) return new Set()
  const rows = await db
    .selectFrom('tags')
    .select('tag_id')
    .where('org_id', '=', orgId)
    .where('source', '=', 'wecom')
    .where('tag_id', 'in', tagIds)
    .execute()
  return new Set(rows.map((r) => r.tag_id as string))
}

export interface ContactWayFilter {
  q?: string
  type?: 1 | 2
  isTemp?: boolean
  page: number
  pageSize: number
}

export async function listContactWays(db: Executor, orgId: number, f: ContactWayFilter): Promise<{ rows: ContactWayRow[]; total: number }> {
  let q = db.selectFrom('contact_ways').where('org_id', '=', orgId)
  if (f.type !== undefined) q = q.where('type', '=', f.type)
  if (f.isTemp !== undefined) q = q.where('is_temp', '=', f.isTemp ? 1 : 0)
  if (f.q) {
    q = q.where((eb) => eb.or((['channel_name', 'state', 'remark'] as const).map((c) => contains(c, f.q!))))
  }
  return fetchPage(q, f, (p) => p.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc'))
}

export interface FollowCounts {
  added: number
  lost: number
  /** Within the recent window (added by createtime, lost by when it was lost): the stats dialog's default 近30天. */
  recentAdded: number
  recentLost: number
}

/** Added/lost per contact way for a whole page in one grouped query, all-time (累计) and since `recentFrom` (epoch ms). */
export async function countFollowsByWay(
  db: Executor,
  orgId: number,
  wayIds: readonly number[],
  recentFrom = 0,
): Promise<Map<number, FollowCounts>> {
  const out = new Map<number, FollowCounts>()
  if (wayIds.length === 0) return out
  const rows = await db
    .selectFrom('customer_follows')
    .select((eb) => [
      'contact_way_id',
      eb.fn.countAll<number>().as('added'),
      // MySQL returns SUM as DECIMAL (a string); num() below evens that out.
      eb.fn.sum<number>(eb.case().when('status', '=', 'lost').then(1).else(0).end()).as('lost'),
      eb.fn.sum<number>(eb.case().when(addedAt, '>=', recentFrom).then(1).else(0).end()).as('recent_added'),
      eb.fn
        .sum<number>(
          eb
            .case()
            .when(eb.and([eb('status', '=', 'lost'), eb(lostAt, '>=', recentFrom)]))
            .then(1)
            .else(0)
            .end(),
        )
        .as('recent_lost'),
    ])
    .where('org_id', '=', orgId)
    .where('contact_way_id', 'in', wayIds)
    .groupBy('contact_way_id')
    .execute()
  for (const r of rows) {
    out.set(Number(r.contact_way_id), {
      added: num(r.added),
      lost: num(r.lost),
      recentAdded: num(r.recent_added),
      recentLost: num(r.recent_lost),
    })
  }
  return out
}

/** Asia/Shanghai has been UTC+8 all year since 1991 (no DST), so a fixed offset gives its calendar days. */
export const SHANGHAI_OFFSET_MS = 8 * 3600_000
export const DAY_MS = 86_400_000

/**
 * The Shanghai midnight (epoch ms) of a time, in integer +, - and % only: both dialects evaluate it exactly
 * alike (no division, whose result type differs), and the literals keep SELECT and GROUP BY identical.
 */
export function shanghaiDayStart(t: RawBuilder<number>) {
  return sql<number>`${t} - ((${t} + ${sql.lit(SHANGHAI_OFFSET_MS)}) % ${sql.lit(DAY_MS)})`
}

const addedAt = sql<number>`${sql.ref('customer_follows.createtime')}`
/** A relation marked lost without lost_at (older writers) counts on the day the row last changed. */
const lostAt = sql<number>`coalesce(${sql.ref('customer_follows.lost_at')}, ${sql.ref('customer_follows.updated_at')})`

export interface DayCount {
  dayStart: number
  n: number
}

/** Follows added through the way per Shanghai day, createtime within [from, to]. */
export async function countAddedByDay(db: Executor, orgId: number, wayId: number, from?: number, to?: number): Promise<DayCount[]> {
  let q = db.selectFrom('customer_follows').where('org_id', '=', orgId).where('contact_way_id', '=', wayId)
  if (from !== undefined) q = q.where(addedAt, '>=', from)
  if (to !== undefined) q = q.where(addedAt, '<=', to)
  const day = shanghaiDayStart(addedAt)
  const rows = await q
    .select((eb) => [day.as('day_start'), eb.fn.countAll<number>().as('n')])
    .groupBy(day)
    .execute()
  return rows.map((r) => ({ dayStart: num(r.day_start), n: num(r.n) }))
}

/** Follows of the way that were lost, per Shanghai day of losing, within [from, to]. */
export async function countLostByDay(db: Executor, orgId: number, wayId: number, from?: number, to?: number): Promise<DayCount[]> {
  let q = db.selectFrom('customer_follows').where('org_id', '=', orgId).where('contact_way_id', '=', wayId).where('status', '=', 'lost')
  if (from !== undefined) q = q.where(lostAt, '>=', from)
  if (to !== undefined) q = q.where(lostAt, '<=', to)
  const day = shanghaiDayStart(lostAt)
  const rows = await q
    .select((eb) => [day.as('day_start'), eb.fn.countAll<number>().as('n')])
    .groupBy(day)
    .execute()
  return rows.map((r) => ({ dayStart: num(r.day_start), n: num(r.n) }))
}
