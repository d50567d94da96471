// Queries on customers, their follow relations, tags, timeline sources and lost relations; every one is scoped to an org.
import { sql, type Insertable, type SelectQueryBuilder, type Updateable } from 'kysely'
import type { Database, Executor } from '../../db/database'
import { contains, insertedId, num } from '../../db/dialect'
import type { CustomerListInput } from '../../../shared/schemas/customer'
import { chunks } from '../tags/tags.repository'
import type { TagSource } from '../tags/tags.table'
import type { CrmLeadsTable, CustomerFollowsTable, CustomersTable, FollowStatus } from './customers.table'
import { insertCustomerEvents } from './customer-events.repository'
import { SYSTEM, eventRow } from './customer-events'

/**
 * `+col`: the org filter stays in the WHERE, but the planner may not pick an (org_id, …) index for it. Where the rows
 * are addressed by customer_id, SQLite (no ANALYZE statistics) otherwise prefers customer_tags_org_tag /
 * customer_follows_org_* on org_id alone and walks every row of the org instead of a few unique-key probes.
 */
const orgOnly = (column: string) => sql<number>`+${sql.ref(column)}`

export type CustomerFilter = Omit<CustomerListInput, 'page' | 'pageSize' | 'sortBy' | 'sortOrder'> & {
  /**
   * The customers whose remark contains `q`, read beforehand (findRemarkMatches): MariaDB then tests each customer
   * against a literal list instead of a materialised subquery, which costs it more per row than the name test itself.
   */
  remarkIds?: readonly number[]
}

/**
 * How the relation and tag predicates ("semi-joins") reach customer_follows and customer_tags. Every form is the same
 * predicate, and none multiplies customer rows:
 * - 'probe': each semi-join is a correlated count on the unique (customer_id, …) keys, evaluated per customer row in
 *   sort order, so a LIMITed page or a capped count stops as soon as it is full; suits matches that are frequent. A
 *   count rather than EXISTS because MariaDB's exists_to_in turns an EXISTS into a materialised set, which is exactly
 *   what a probe avoids.
 * - 'set': every semi-join is `c.id IN (subquery)` read once from the (org_id, …) covering indexes.
 * - { drive: i }: semi-join i (in semiJoinsOf order) is the set, the others are probes: the customers visited are only
 *   those of the smallest set, which is what keeps a rare intersection of large sets cheap.
 * - 'grouped': as 'set', but a tag filter in 'all' mode is one grouped subquery (the customers having every tag) rather
 *   than one set per tag: MariaDB otherwise materialises each tag's set and probes them all for every customer of the org.
 * The text search's remark part is always a set: non-empty remarks are few and read straight from their index.
 */
export type FilterForm = 'probe' | 'set' | 'grouped' | { drive: number }

const countAll = sql<number>`count(*)`.as('n')

type SemiJoin = { kind: 'staff'; userid: string } | { kind: 'tags'; tagRefs: number[] }

/** The filter's semi-joins: the staff member's relations, then one per tag set ('all': one per tag; 'any': one over the list). */
export function semiJoinsOf(f: CustomerFilter): SemiJoin[] {
  const out: SemiJoin[] = []
  if (f.followUserid) out.push({ kind: 'staff', userid: f.followUserid })
  const tagIds = [...new Set(f.tagIds ?? [])]
  if (f.tagMode === 'all') for (const t of tagIds) out.push({ kind: 'tags', tagRefs: [t] })
  else if (tagIds.length) out.push({ kind: 'tags', tagRefs: tagIds })
  return out
}

/** Rows of one semi-join's set, read from its covering index (a relation the staff member deleted is no longer theirs). */
function semiJoinSet(db: Executor, orgId: number, j: SemiJoin) {
  // One result type for both branches: the table aliases differ, the selected column does not.
  type CustomerIds = SelectQueryBuilder<Database, keyof Database, { customer_id: number }>
  return j.kind === 'staff'
    ? (db
        .selectFrom('customer_follows as ff')
        .select('ff.customer_id')
        .where('ff.org_id', '=', orgId)
        .where('ff.userid', '=', j.userid)
        .where('ff.status', '!=', 'deleted') as unknown as CustomerIds)
    : (db
        .selectFrom('customer_tags as ct')
        .select('ct.customer_id')
        .where('ct.org_id', '=', orgId)
        .where('ct.tag_ref', 'in', j.tagRefs) as unknown as CustomerIds)
}

/**
 * How many rows each semi-join's set has, each counted up to `cap` (covering index ranges, one round trip): the
 * smallest set drives the query. Rows, not customers: a tag two staff members put on one customer counts twice, which
 * only overstates a set.
 */
export async function semiJoinSizes(db: Executor, orgId: number, f: CustomerFilter, cap: number): Promise<number[]> {
  const joins = semiJoinsOf(f)
  if (!joins.length) return []
  const r = await db
    .selectNoFrom((eb) =>
      joins.map((j, i) =>
        eb
          .selectFrom(semiJoinSet(db, orgId, j).limit(cap).as('s'))
          .select(sql<number>`count(*)`.as('n'))
          .as(`s${i}`),
      ),
    )
    .executeTakeFirstOrThrow()
  return joins.map((_, i) => num((r as Record<string, unknown>)[`s${i}`]))
}

/** Relations whose remark contains the text. */
function remarkMatches(db: Executor, orgId: number, text: string) {
  return (
    db
      .selectFrom('customer_follows as fq')
      .select('fq.customer_id')
      .where('fq.org_id', '=', orgId)
      // An empty remark never contains the text; the range skips them inside the (org_id, remark, …) index.
      .where('fq.remark', '>', '')
      .where(contains('fq.remark', text))
  )
}

/** Up to this many remark matches are passed to the list's queries as literal ids; more keep the subquery. */
export const REMARK_IDS_MAX = 2000

/** Customers whose remark contains the text, or undefined when there are more than REMARK_IDS_MAX of them. */
export async function findRemarkMatches(db: Executor, orgId: number, text: string): Promise<number[] | undefined> {
  const rows = await remarkMatches(db, orgId, text)
    .distinct()
    .limit(REMARK_IDS_MAX + 1)
    .execute()
  return rows.length > REMARK_IDS_MAX ? undefined : rows.map((r) => r.customer_id)
}

/** The list's WHERE on `customers as c`; the count and the page use the very same predicate. */
export function filteredCustomers(db: Executor, orgId: number, f: CustomerFilter, form: FilterForm) {
  let q = db.selectFrom('customers as c').where('c.org_id', '=', orgId)
  if (f.status) q = q.where('c.status', '=', f.status)
  // A way's customers by attribution; a raw state means the 未归属 customers carrying it (see channelFilter).
  if (f.channel) {
    const way = /^way:(\d+)$/.exec(f.channel)
    if (way) q = q.where('c.contact_way_id', '=', Number(way[1]))
    else q = q.where('c.channel_state', '=', f.channel).where('c.contact_way_id', 'is', null)
  }
  // With a channel, the (org_id, channel_state, contact_way_id, status, …) index narrows far more than gender's three
  // values; SQLite (no statistics) would otherwise take the gender index, so `+` keeps it off that one.
  if (f.gender !== undefined) q = q.where(f.channel ? sql<number>`+${sql.ref('c.gender')}` : 'c.gender', '=', f.gender)
  if (f.addedFrom !== undefined) q = q.where('c.first_added_at', '>=', f.addedFrom)
  if (f.addedTo !== undefined) q = q.where('c.first_added_at', '<=', f.addedTo)
  if (f.q) {
    const text = f.q
    const ids = f.remarkIds
    q = q.where((eb) =>
      ids === undefined
        ? eb.or([contains('c.name', text), eb('c.id', 'in', remarkMatches(db, orgId, text))])
        : ids.length
          ? eb.or([contains('c.name', text), eb('c.id', 'in', [...ids])])
          : contains('c.name', text),
    )
  }
  const tagIds = [...new Set(f.tagIds ?? [])]
  if (form === 'grouped' && f.tagMode === 'all' && tagIds.length > 1) {
    // Every tag at once: one range over the (org_id, tag_ref, customer_id) index, grouped per customer.
    q = q.where('c.id', 'in', (eb) =>
      eb
        .selectFrom('customer_tags as cg')
        .select('cg.customer_id')
        .where('cg.org_id', '=', orgId)
        .where('cg.tag_ref', 'in', tagIds)
        .groupBy('cg.customer_id')
        .having(sql`count(distinct ${sql.ref('cg.tag_ref')})`, '=', tagIds.length),
    )
  }
  semiJoinsOf(f).forEach((j, i) => {
    if (form === 'grouped' && f.tagMode === 'all' && tagIds.length > 1 && j.kind === 'tags') return
    const asSet = form === 'set' || form === 'grouped' || (typeof form === 'object' && form.drive === i)
    q = q.where((eb) => {
      if (asSet) return eb('c.id', 'in', semiJoinSet(db, orgId, j))
      const probe =
        j.kind === 'staff'
          ? eb
              .selectFrom('customer_follows as ff')
              .select(countAll)
              .whereRef('ff.customer_id', '=', 'c.id')
              .where('ff.userid', '=', j.userid)
              .where('ff.status', '!=', 'deleted')
          : eb
              .selectFrom('customer_tags as ct')
              .select(countAll)
              .whereRef('ct.customer_id', '=', 'c.id')
              .where('ct.tag_ref', 'in', j.tagRefs)
      return eb(probe, '>', 0)
    })
  })
  return q
}

/** The count, up to `cap` + 1 matches (a larger total is shown as an estimate, "10 000+"). */
export async function countCustomers(db: Executor, orgId: number, f: CustomerFilter, form: FilterForm, cap: number): Promise<number> {
  const r = await db
    .selectFrom(
      filteredCustomers(db, orgId, f, form)
        .select('c.id')
        .limit(cap + 1)
        .as('m'),
    )
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow()
  return num(r.n)
}

/** Ids of matching customers, at most `limit` of them, in no particular order (one pass over the match set). */
export async function findMatchingIds(db: Executor, orgId: number, f: CustomerFilter, form: FilterForm, limit: number): Promise<number[]> {
  return (await filteredCustomers(db, orgId, f, form).select('c.id').limit(limit).execute()).map((r) => r.id)
}

/**
 * Both the first pass and the capped count in one statement (MariaDB): the matches up to the cap are read once, into
 * a derived table, and only `limit` of their ids come back, each row carrying how many there were. Two statements
 * would read the same matches twice whenever there are more than `limit`.
 */
export async function findMatchingIdsCounted(
  db: Executor,
  orgId: number,
  f: CustomerFilter,
  form: FilterForm,
  limit: number,
  cap: number,
): Promise<{ ids: number[]; total: number }> {
  const rows = await db
    .selectFrom(
      filteredCustomers(db, orgId, f, form)
        .select('c.id')
        .limit(Math.max(limit, cap + 1))
        .as('m'),
    )
    .select((eb) => ['m.id', eb.fn.countAll().over().as('n')])
    .limit(limit)
    .execute()
  return { ids: rows.map((r) => r.id), total: rows.length ? num(rows[0].n) : 0 }
}

/**
 * A set of this many rows or fewer is read whole to drive the query; above it, matches are frequent enough that
 * probing in sort order fills a page (and reaches the count's cap) after a short walk.
 */
export const DRIVE_MAX = 30_000

/**
 * The form from the semi-join sizes, as measured on 100 000 customers (SQLite, CPU per count + first pass):
 * - one set larger than DRIVE_MAX: matches are frequent, probing in sort order stops early ('probe');
 * - the smallest set small and well under the next one: it drives, the others are probed per row of it;
 * - otherwise (sets of like size, whose intersection may be rare): every set read once ('set'), as a probe walk
 *   would then visit the whole org.
 */
export function chooseForm(sizes: readonly number[]): FilterForm {
  if (!sizes.length) return 'probe'
  if (sizes.length === 1) return sizes[0] > DRIVE_MAX ? 'probe' : 'set'
  const order = sizes.map((n, i) => [n, i] as const).sort((x, y) => x[0] - y[0])
  const [[smallest, at], [next]] = order
  return smallest <= DRIVE_MAX && smallest * 2 <= next ? { drive: at } : 'set'
}

/** Reading every match (count, first pass) on MariaDB: its semi-join optimiser does best with plain IN subqueries (see 'grouped'). */
export const MYSQL_FORM: FilterForm = 'grouped'

/**
 * A page's form on MariaDB, from the count: probing walks about (offset + pageSize) × customers / matches rows in
 * sort order, which stays small while matches are at least PROBE_RATIO times what the page must reach.
 */
export const PROBE_RATIO = 50
export const mysqlPageForm = (total: number, reach: number): FilterForm => (total >= PROBE_RATIO * reach ? 'probe' : MYSQL_FORM)

/**
 * The export's next batch: matching customers with id below `beforeId`, newest id first. Keyset, not OFFSET, so every
 * batch costs the same however deep the export is.
 */
export function findExportBatch(db: Executor, orgId: number, f: CustomerFilter, form: FilterForm, beforeId: number | null, limit: number) {
  let q = filteredCustomers(db, orgId, f, form)
  if (beforeId !== null) q = q.where('c.id', '<', beforeId)
  return q
    .leftJoin('contact_ways as w', (j) => j.onRef('w.org_id', '=', 'c.org_id').onRef('w.id', '=', 'c.contact_way_id'))
    .select([
      'c.id',
      'c.external_userid',
      'c.name',
      'c.gender',
      'c.corp_name',
      'c.channel_state',
      'w.channel_name',
      'c.status',
      'c.first_added_at',
    ])
    .orderBy('c.id', 'desc')
    .limit(limit)
    .execute()
}

export interface CustomerPageSpec {
  page: number
  pageSize: number
  sortBy: 'firstAddedAt' | 'name'
  sortOrder: 'asc' | 'desc'
}

export function findCustomerPage(db: Executor, orgId: number, f: CustomerFilter, page: CustomerPageSpec, form: FilterForm) {
  return customerPageQuery(db, orgId, f, page, form).execute()
}

/** A page out of customers already known to match (ids from findMatchingIds): the filter is implied by the ids. */
export function findCustomerPageOf(db: Executor, orgId: number, ids: readonly number[], page: CustomerPageSpec) {
  return pageOf(
    db,
    db
      .selectFrom('customers as c')
      .where('c.org_id', '=', orgId)
      .where('c.id', 'in', [...ids]),
    page,
  ).execute()
}

/** The page query, unexecuted (the benchmark prints its plan). */
export function customerPageQuery(db: Executor, orgId: number, f: CustomerFilter, page: CustomerPageSpec, form: FilterForm) {
  return pageOf(db, filteredCustomers(db, orgId, f, form), page)
}

/**
 * Deferred join: the page's ids are picked first (only c.id and the sort column, so the (org_id, sort) index covers a
 * deep OFFSET without reading skipped rows), then only those rows are read and joined to their channel.
 */
function pageOf(db: Executor, q: ReturnType<typeof filteredCustomers>, page: CustomerPageSpec) {
  const col = page.sortBy === 'name' ? 'name' : 'first_added_at'
  const ids = q
    .select('c.id')
    // id breaks ties, so pages never overlap or skip rows with equal names or times.
    .orderBy(`c.${col}`, page.sortOrder)
    .orderBy('c.id', page.sortOrder)
    .limit(page.pageSize)
    .offset((page.page - 1) * page.pageSize)
  return db
    .selectFrom(ids.as('p'))
    .innerJoin('customers as c', 'c.id', 'p.id')
    .leftJoin('contact_ways as w', (j) => j.onRef('w.org_id', '=', 'c.org_id').onRef('w.id', '=', 'c.contact_way_id'))
    .select([
      'c.id',
      'c.external_userid',
      'c.name',
      'c.avatar',
      'c.gender',
      'c.corp_name',
      'c.channel_state',
      'w.channel_name',
      'c.status',
      'c.first_added_at',
    ])
    .orderBy(`c.${col}`, page.sortOrder)
    .orderBy('c.id', page.sortOrder)
}

export interface FollowLite {
  customer_id: number
  userid: string
  staff_name: string | null
  remark: string
  status: FollowStatus
}

/** Relations of a page of customers in one query (deleted ones left out: there is no relation any more). */
export async function findFollowsOf(db: Executor, orgId: number, customerIds: readonly number[]): Promise<FollowLite[]> {
  const out: FollowLite[] = []
  for (const part of chunks(customerIds)) {
    if (!part.length) continue
    out.push(
      ...(await db
        .selectFrom('customer_follows as f')
        .leftJoin('wecom_staff as s', (j) => j.onRef('s.org_id', '=', 'f.org_id').onRef('s.userid', '=', 'f.userid'))
        .select(['f.customer_id', 'f.userid', 's.name as staff_name', 'f.remark', 'f.status'])
        .where(orgOnly('f.org_id'), '=', orgId)
        .where('f.customer_id', 'in', part)
        .where('f.status', '!=', 'deleted')
        .orderBy('f.createtime')
        .orderBy('f.id')
        .execute()),
    )
  }
  return out
}

export interface CustomerTagLite {
  customer_id: number
  userid: string
  id: number
  name: string
  source: TagSource
  group_name: string
}

/** Tags of a page of customers in one query, in the order the tag page shows them. */
export async function findTagsOf(db: Executor, orgId: number, customerIds: readonly number[]): Promise<CustomerTagLite[]> {
  const out: CustomerTagLite[] = []
  for (const part of chunks(customerIds)) {
    if (!part.length) continue
    out.push(
      ...(await db
        .selectFrom('customer_tags as ct')
        .innerJoin('tags as t', 't.id', 'ct.tag_ref')
        .innerJoin('tag_groups as g', 'g.id', 't.group_ref')
        .select(['ct.customer_id', 'ct.userid', 't.id', 't.name', 't.source', 'g.name as group_name'])
        .where(orgOnly('ct.org_id'), '=', orgId)
        .where('ct.customer_id', 'in', part)
        .orderBy('g.source', 'desc')
        .orderBy('g.sort_order', 'desc')
        .orderBy('g.id')
        .orderBy('t.sort_order', 'desc')
        .orderBy('t.id')
        .execute()),
    )
  }
  return out
}

export function findCustomer(db: Executor, orgId: number, id: number) {
  return db.selectFrom('customers').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst()
}

export function findFollow(db: Executor, orgId: number, customerId: number, userid: string) {
  return db
    .selectFrom('customer_follows')
    .selectAll()
    .where(orgOnly('org_id'), '=', orgId)
    .where('customer_id', '=', customerId)
    .where('userid', '=', userid)
    .executeTakeFirst()
}

/** Every relation of one customer, deleted ones included (the profile shows the history). */
export function findAllFollows(db: Executor, orgId: number, customerId: number) {
  return db
    .selectFrom('customer_follows as f')
    .leftJoin('wecom_staff as s', (j) => j.onRef('s.org_id', '=', 'f.org_id').onRef('s.userid', '=', 'f.userid'))
    .selectAll('f')
    .select('s.name as staff_name')
    .where(orgOnly('f.org_id'), '=', orgId)
    .where('f.customer_id', '=', customerId)
    .orderBy('f.createtime')
    .orderBy('f.id')
    .execute()
}

/** The contact way a customer is attributed to; none when it only carries a state (未归属: a state alone proves nothing). */
export async function findChannel(db: Executor, orgId: number, contactWayId: number | null) {
  if (contactWayId === null) return undefined
  return db
    .selectFrom('contact_ways')
    .select(['id', 'state', 'wecom_state', 'external', 'channel_name'])
    .where('org_id', '=', orgId)
    .where('id', '=', contactWayId)
    .executeTakeFirst()
}

export function findLead(db: Executor, orgId: number, customerId: number) {
  return db
    .selectFrom('crm_leads')
    .selectAll()
    .where(orgOnly('org_id'), '=', orgId)
    .where('customer_id', '=', customerId)
    .executeTakeFirst()
}

export function findMessagesOf(db: Executor, orgId: number, customerId: number, limit: number) {
  return db
    .selectFrom('messages')
    .select(['id', 'from_id', 'to_id', 'msg_type', 'content', 'create_time'])
    .where('org_id', '=', orgId)
    .where('customer_id', '=', customerId)
    .orderBy('create_time', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute()
}

export async function findContactWayChannels(db: Executor, orgId: number) {
  return db
    .selectFrom('contact_ways')
    .select(['id', 'state', 'wecom_state', 'external', 'channel_name'])
    .where('org_id', '=', orgId)
    .orderBy('channel_name')
    .orderBy('state')
    .execute()
}

/** Channel states 未归属 customers carry (credited to no way). */
export async function findUsedChannelStates(db: Executor, orgId: number): Promise<string[]> {
  const rows = await db
    .selectFrom('customers')
    .select('channel_state')
    .distinct()
    .where('org_id', '=', orgId)
    .where('contact_way_id', 'is', null)
    .where('channel_state', 'is not', null)
    .where('channel_state', '!=', '')
    .execute()
  return rows.map((r) => r.channel_state as string)
}

export async function updateFollowRemark(
  db: Executor,
  orgId: number,
  id: number,
  set: { remark?: string; description?: string; remark_mobiles?: string; updated_at: number },
): Promise<void> {
  await db.updateTable('customer_follows').set(set).where('org_id', '=', orgId).where('id', '=', id).execute()
}

/** Links of one customer; a link already there is kept as it is. */
export async function addCustomerTags(
  db: Executor,
  orgId: number,
  customerId: number,
  links: readonly { tag_ref: number; userid: string }[],
  now: number,
): Promise<void> {
  if (!links.length) return
  await db
    .insertInto('customer_tags')
    .values(links.map((l) => ({ org_id: orgId, customer_id: customerId, tag_ref: l.tag_ref, userid: l.userid, created_at: now })))
    .ignore()
    .execute()
}

export async function removeCustomerTags(
  db: Executor,
  orgId: number,
  customerId: number,
  userid: string,
  tagRefs: readonly number[],
): Promise<void> {
  if (!tagRefs.length) return
  await db
    .deleteFrom('customer_tags')
    .where(orgOnly('org_id'), '=', orgId)
    .where('customer_id', '=', customerId)
    .where('userid', '=', userid)
    .where('tag_ref', 'in', [...tagRefs])
    .execute()
}

// ---------------------------------------------------------------- ingest (what WeCom says about a customer)

/** Inserts the customer unless (org, external_userid) exists already; the new id, or null when another writer was first. */
export async function insertCustomerIfAbsent(db: Executor, values: Insertable<CustomersTable>): Promise<number | null> {
  const res = await db.insertInto('customers').values(values).ignore().executeTakeFirst()
  return Number(res.numInsertedOrUpdatedRows ?? 0n) === 1 ? insertedId(res) : null
}

export async function updateCustomer(db: Executor, orgId: number, id: number, set: Updateable<CustomersTable>): Promise<void> {
  await db.updateTable('customers').set(set).where('org_id', '=', orgId).where('id', '=', id).execute()
}

/** Inserts the relation unless (customer, userid) exists already; true when inserted. */
export async function insertFollowIfAbsent(db: Executor, values: Insertable<CustomerFollowsTable>): Promise<boolean> {
  const res = await db.insertInto('customer_follows').values(values).ignore().executeTakeFirst()
  return Number(res.numInsertedOrUpdatedRows ?? 0n) === 1
}

export async function updateFollow(db: Executor, orgId: number, id: number, set: Updateable<CustomerFollowsTable>): Promise<void> {
  await db.updateTable('customer_follows').set(set).where('org_id', '=', orgId).where('id', '=', id).execute()
}

/** The customer's lead; one per customer, so a replayed add keeps the first. */
export async function insertLeadIfAbsent(db: Executor, values: Insertable<CrmLeadsTable>): Promise<void> {
  await db.insertInto('crm_leads').values(values).ignore().execute()
}

/** The relation of `userid` with the customer `externalUserid`, with the customer's id, name and status. */
export function findFollowByExternalUserid(db: Executor, orgId: number, externalUserid: string, userid: string) {
  return db
    .selectFrom('customers as c')
    .innerJoin('customer_follows as f', 'f.customer_id', 'c.id')
    .select(['c.id', 'c.name', 'c.status', 'f.id as follow_id', 'f.status as follow_status', 'f.createtime', 'f.lost_at', 'f.deleted_at'])
    .where('c.org_id', '=', orgId)
    .where('c.external_userid', '=', externalUserid)
    .where('f.userid', '=', userid)
    .executeTakeFirst()
}

/** Ends one relation at `atMs` (lost: the customer removed the member; deleted: the member removed the customer). */
export async function setFollowEnded(
  db: Executor,
  orgId: number,
  followId: number,
  status: 'lost' | 'deleted',
  atMs: number,
  now: number,
): Promise<void> {
  await db
    .updateTable('customer_follows')
    .set({ status, lost_by: null, ...(status === 'lost' ? { lost_at: atMs } : { deleted_at: atMs }), updated_at: now })
    .where('org_id', '=', orgId)
    .where('id', '=', followId)
    .execute()
}

export async function hasActiveFollow(db: Executor, orgId: number, customerId: number): Promise<boolean> {
  const row = await db
    .selectFrom('customer_follows')
    .select('id')
    .where('org_id', '=', orgId)
    .where('customer_id', '=', customerId)
    .where('status', '=', 'active')
    .limit(1)
    .executeTakeFirst()
  return !!row
}

/** Links the customer to a CRM tag found by group and tag name, in one statement. False when no such tag exists; true when linked now or before. */
export async function linkCrmTag(
  db: Executor,
  orgId: number,
  customerId: number,
  tag: { group: string; name: string },
  now: number,
): Promise<boolean> {
  const crmTag = (qb: Executor) =>
    qb
      .selectFrom('tags as t')
      .innerJoin('tag_groups as g', 'g.id', 't.group_ref')
      .where('g.org_id', '=', orgId)
      .where('g.source', '=', 'crm')
      .where('g.name', '=', tag.group)
      .where('t.name', '=', tag.name)
  const res = await db
    .insertInto('customer_tags')
    .columns(['org_id', 'customer_id', 'tag_ref', 'userid', 'created_at'])
    .expression(
      crmTag(db).select((eb) => [
        eb.val(orgId).as('org_id'),
        eb.val(customerId).as('customer_id'),
        't.id',
        eb.val('').as('userid'),
        eb.val(now).as('created_at'),
      ]),
    )
    .ignore()
    .executeTakeFirst()
  if (Number(res.numInsertedOrUpdatedRows ?? 0n) === 1) return true
  // Nothing inserted: linked already (a replay), or no such tag yet.
  const linked = await crmTag(db)
    .innerJoin('customer_tags as ct', 'ct.tag_ref', 't.id')
    .select('ct.id')
    .where('ct.customer_id', '=', customerId)
    .where('ct.userid', '=', '')
    .executeTakeFirst()
  return !!linked
}

/** The customer by external_userid with its relation to `userid` (follow_* columns null when there is none). */
export function findCustomerWithFollow(db: Executor, orgId: number, ext: string, userid: string) {
  return db
    .selectFrom('customers as c')
    .leftJoin('customer_follows as f', (j) => j.onRef('f.customer_id', '=', 'c.id').on('f.userid', '=', userid))
    .selectAll('c')
    .select([
      'f.id as follow_id',
      'f.status as follow_status',
      'f.remark as follow_remark',
      'f.description as follow_description',
      'f.remark_mobiles as follow_remark_mobiles',
      'f.add_way as follow_add_way',
      'f.state as follow_state',
      'f.oper_userid as follow_oper_userid',
      'f.createtime as follow_createtime',
      'f.lost_at as follow_lost_at',
      'f.deleted_at as follow_deleted_at',
      'f.contact_way_id as follow_contact_way_id',
    ])
    .where('c.org_id', '=', orgId)
    .where('c.external_userid', '=', ext)
    .executeTakeFirst()
}

/** The relation's WeCom tag links become exactly `tagIds` (those known locally). */
export async function replaceFollowTags(
  db: Executor,
  orgId: number,
  customerId: number,
  userid: string,
  tagIds: string[],
  now: number,
): Promise<void> {
  let del = db.deleteFrom('customer_tags').where('org_id', '=', orgId).where('customer_id', '=', customerId).where('userid', '=', userid)
  if (tagIds.length > 0) {
    del = del.where('tag_ref', 'not in', db.selectFrom('tags').select('id').where('org_id', '=', orgId).where('tag_id', 'in', tagIds))
  }
  await del.execute()
  await linkFollowTags(db, orgId, customerId, userid, tagIds, now)
}

/** Adds links from the relation to the local mirrors of these WeCom tag ids (unknown ids are skipped). */
export async function linkFollowTags(
  db: Executor,
  orgId: number,
  customerId: number,
  userid: string,
  tagIds: string[],
  now: number,
): Promise<void> {
  if (tagIds.length === 0) return
  await db
    .insertInto('customer_tags')
    .columns(['org_id', 'customer_id', 'tag_ref', 'userid', 'created_at'])
    .expression(
      db
        .selectFrom('tags')
        .select((eb) => ['org_id', eb.val(customerId).as('customer_id'), 'id', eb.val(userid).as('userid'), eb.val(now).as('created_at')])
        .where('org_id', '=', orgId)
        .where('tag_id', 'in', tagIds),
    )
    .ignore()
    .execute()
}

/** The local customer id of an external_userid, if known. */
export async function findCustomerId(db: Executor, orgId: number, externalUserid: string): Promise<number | null> {
  const row = await db
    .selectFrom('customers')
    .select('id')
    .where('org_id', '=', orgId)
    .where('external_userid', '=', externalUserid)
    .executeTakeFirst()
  return row?.id ?? null
}

// ---------------------------------------------------------------- full sync

/** Every active relation of the org (the full sync ends those WeCom no longer lists). */
export function findActiveFollows(db: Executor, orgId: number) {
  return db
    .selectFrom('customer_follows')
    .select(['id', 'customer_id', 'userid'])
    .where('org_id', '=', orgId)
    .where('status', '=', 'active')
    .execute()
}

/**
 * Marks relations lost at `now`, and their customers too when no active relation is left. Only relations still active
 * are touched (a callback may have ended one since the caller read it); returns those this call marked, so whoever is
 * told about them is told once. Run it in a transaction: the read-back keys on this call's own `now`.
 */
export async function markFollowsLost(
  db: Executor,
  orgId: number,
  follows: readonly { id: number; customer_id: number; userid?: string }[],
  now: number,
): Promise<{ id: number; userid: string }[]> {
  const marked: { id: number; userid: string }[] = []
  for (const part of chunks(follows.map((r) => r.id))) {
    await db
      .updateTable('customer_follows')
      .set({ status: 'lost', lost_at: now, lost_by: 'sync', updated_at: now })
      .where('org_id', '=', orgId)
      .where('id', 'in', part)
      .where('status', '=', 'active')
      .execute()
    marked.push(
      ...(await db
        .selectFrom('customer_follows')
        .select(['id', 'userid'])
        .where('org_id', '=', orgId)
        .where('id', 'in', part)
        .where('status', '=', 'lost')
        .where('lost_by', '=', 'sync')
        .where('lost_at', '=', now)
        .execute()),
    )
  }
  for (const part of chunks([...new Set(follows.map((r) => r.customer_id))])) {
    await db
      .updateTable('customers')
      .set({ status: 'lost', updated_at: now })
      .where('org_id', '=', orgId)
      .where('id', 'in', part)
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('customer_follows as f')
              .select('f.id')
              .whereRef('f.customer_id', '=', 'customers.id')
              .where('f.status', '=', 'active'),
          ),
        ),
      )
      .execute()
  }
  // The timeline says the relation was found gone by the sync (who ended it is not known): only those this call marked.
  const byId = new Map(follows.map((f) => [f.id, f]))
  await insertCustomerEvents(
    db,
    marked.map((m) =>
      eventRow({ orgId, customerId: byId.get(m.id)!.customer_id, userid: m.userid, actor: SYSTEM, at: now, now, via: 'sync' }, 'lost', {}),
    ),
  )
  return marked
}

/** Whether the org has any customer yet (a fresh demo syncs at start instead of waiting for the nightly run). */
export async function hasAnyCustomer(db: Executor, orgId: number): Promise<boolean> {
  return (await db.selectFrom('customers').select('id').where('org_id', '=', orgId).limit(1).executeTakeFirst()) !== undefined
}
