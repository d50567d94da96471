// Queries of the per-org customer sync: its settings, runs and chunk checkpoints, the pass's seen log, and the bulk page writes.
import { sql, type Insertable, type Updateable } from 'kysely'
import type { Executor } from '../../db/database'
import { insertedId, num } from '../../db/dialect'
import { chunks } from '../tags/tags.repository'
import type { ContactWaysTable } from '../contact-ways/contact-ways.table'
import type {
  CustomerFollowRow,
  CustomerFollowsTable,
  CustomerRow,
  CustomersTable,
  CustomerSyncChunkRow,
  CustomerSyncRunRow,
  CustomerSyncRunsTable,
  CustomerSyncSettingsTable,
} from './customers.table'

/** Same trick as in customers.repository: keep org_id in the WHERE without letting it steer the index choice. */
const orgOnly = (column: string) => sql<number>`+${sql.ref(column)}`

// ---------------------------------------------------------------- settings

export function findSyncSettings(db: Executor, orgId: number) {
  return db.selectFrom('customer_sync_settings').selectAll().where('org_id', '=', orgId).executeTakeFirst()
}

export function findAllSyncSettings(db: Executor) {
  return db.selectFrom('customer_sync_settings').selectAll().execute()
}

/** Creates the org's row with the defaults if it has none; concurrent callers agree (insert-ignore). */
export async function ensureSyncSettings(db: Executor, orgId: number, now: number): Promise<void> {
  await db.insertInto('customer_sync_settings').values({ org_id: orgId, updated_at: now }).ignore().execute()
}

export async function setSyncSettings(
  db: Executor,
  orgId: number,
  patch: Updateable<Omit<CustomerSyncSettingsTable, 'org_id'>>,
): Promise<void> {
  await db.updateTable('customer_sync_settings').set(patch).where('org_id', '=', orgId).execute()
}

// ---------------------------------------------------------------- runs and checkpoints

export async function insertSyncRun(db: Executor, values: Insertable<CustomerSyncRunsTable>): Promise<number> {
  return insertedId(await db.insertInto('customer_sync_runs').values(values).executeTakeFirstOrThrow())
}

export function findSyncRun(db: Executor, orgId: number, id: number) {
  return db.selectFrom('customer_sync_runs').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst()
}

export function findLatestSyncRun(db: Executor, orgId: number): Promise<CustomerSyncRunRow | undefined> {
  return db.selectFrom('customer_sync_runs').selectAll().where('org_id', '=', orgId).orderBy('id', 'desc').limit(1).executeTakeFirst()
}

export function findLatestSucceededSyncRun(db: Executor, orgId: number): Promise<CustomerSyncRunRow | undefined> {
  return db
    .selectFrom('customer_sync_runs')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('status', '=', 'succeeded')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst()
}

/** Runs left `running` by a dead instance, in every org (the scheduled job resumes them). */
export function findRunningSyncRuns(db: Executor) {
  return db.selectFrom('customer_sync_runs').select(['id', 'org_id', 'heartbeat_at']).where('status', '=', 'running').execute()
}

export async function setSyncRun(db: Executor, id: number, patch: Updateable<CustomerSyncRunsTable>): Promise<void> {
  await db.updateTable('customer_sync_runs').set(patch).where('id', '=', id).execute()
}

export async function insertSyncChunks(db: Executor, runId: number, count: number): Promise<void> {
  for (const part of chunks(Array.from({ length: count }, (_, i) => i))) {
    await db
      .insertInto('customer_sync_chunks')
      .values(part.map((chunk) => ({ run_id: runId, chunk, cursor: null })))
      .execute()
  }
}

export function findSyncChunks(db: Executor, runId: number): Promise<CustomerSyncChunkRow[]> {
  return db.selectFrom('customer_sync_chunks').selectAll().where('run_id', '=', runId).orderBy('chunk').execute()
}

/** Totals over a run's chunks (resumed parts included). */
export async function sumSyncChunks(db: Executor, runId: number) {
  const r = await db
    .selectFrom('customer_sync_chunks')
    .select((eb) => [
      eb.fn.coalesce(eb.fn.sum<number>('pages'), eb.lit(0)).as('pages'),
      eb.fn.coalesce(eb.fn.sum<number>('relations'), eb.lit(0)).as('relations'),
      eb.fn.coalesce(eb.fn.sum<number>('created'), eb.lit(0)).as('created'),
      eb.fn.coalesce(eb.fn.sum<number>('updated'), eb.lit(0)).as('updated'),
      eb.fn.coalesce(eb.fn.sum<number>('unchanged'), eb.lit(0)).as('unchanged'),
      eb.fn.coalesce(eb.fn.sum<number>('done'), eb.lit(0)).as('done'),
    ])
    .where('run_id', '=', runId)
    .executeTakeFirstOrThrow()
  return {
    pages: num(r.pages),
    relations: num(r.relations),
    created: num(r.created),
    updated: num(r.updated),
    unchanged: num(r.unchanged),
    chunksDone: num(r.done),
  }
}

/**
 * Advances a chunk's checkpoint by one page, in the transaction that wrote the page: a crash either keeps both or
 * neither, so a resumed chunk refetches at most the page that was in flight.
 */
export async function advanceSyncChunk(
  db: Executor,
  runId: number,
  chunk: number,
  page: { cursor: string | null; relations: number; created: number; updated: number; unchanged: number },
): Promise<void> {
  await db
    .updateTable('customer_sync_chunks')
    .set((eb) => ({
      cursor: page.cursor,
      done: page.cursor === null ? 1 : 0,
      pages: eb('pages', '+', 1),
      relations: eb('relations', '+', page.relations),
      created: eb('created', '+', page.created),
      updated: eb('updated', '+', page.updated),
      unchanged: eb('unchanged', '+', page.unchanged),
    }))
    .where('run_id', '=', runId)
    .where('chunk', '=', chunk)
    .execute()
}

export async function insertSeenFollows(db: Executor, runId: number, followIds: readonly number[]): Promise<void> {
  if (followIds.length === 0) return
  await db
    .insertInto('customer_sync_seen')
    .values({ run_id: runId, follow_ids: JSON.stringify(followIds) })
    .execute()
}

export async function findSeenFollowIds(db: Executor, runId: number): Promise<Set<number>> {
  const seen = new Set<number>()
  let after = 0
  for (;;) {
    const rows = await db
      .selectFrom('customer_sync_seen')
      .select(['id', 'follow_ids'])
      .where('run_id', '=', runId)
      .where('id', '>', after)
      .orderBy('id')
      .limit(500)
      .execute()
    for (const r of rows) for (const id of JSON.parse(r.follow_ids) as number[]) seen.add(id)
    if (rows.length < 500) return seen
    after = rows[rows.length - 1].id
  }
}

export async function deleteSyncScratch(db: Executor, runId: number): Promise<void> {
  await db.deleteFrom('customer_sync_seen').where('run_id', '=', runId).execute()
}

/** Active relations a complete pass may end: neither created nor touched since the pass began (a callback may have). */
export function findActiveFollowsBefore(db: Executor, orgId: number, before: number) {
  return db
    .selectFrom('customer_follows')
    .select(['id', 'customer_id', 'userid'])
    .where('org_id', '=', orgId)
    .where('status', '=', 'active')
    .where('createtime', '<', before)
    .where('updated_at', '<', before)
    .execute()
}

// ---------------------------------------------------------------- bulk page writes

export type SyncCustomerRow = Pick<
  CustomerRow,
  | 'id'
  | 'external_userid'
  | 'name'
  | 'avatar'
  | 'type'
  | 'gender'
  | 'unionid'
  | 'position'
  | 'corp_name'
  | 'corp_full_name'
  | 'channel_state'
  | 'contact_way_id'
  | 'status'
  | 'first_added_at'
>

export async function findCustomersByExternal(db: Executor, orgId: number, exts: readonly string[]): Promise<SyncCustomerRow[]> {
  if (exts.length === 0) return []
  return db
    .selectFrom('customers')
    .select([
      'id',
      'external_userid',
      'name',
      'avatar',
      'type',
      'gender',
      'unionid',
      'position',
      'corp_name',
      'corp_full_name',
      'channel_state',
      'contact_way_id',
      'status',
      'first_added_at',
    ])
    .where('org_id', '=', orgId)
    .where('external_userid', 'in', exts)
    .execute()
}

/** Inserts customers, skipping any another writer added first; the caller reads ids back by external_userid. */
export async function insertCustomersIgnore(db: Executor, rows: readonly Insertable<CustomersTable>[]): Promise<number> {
  if (rows.length === 0) return 0
  const res = await db.insertInto('customers').values(rows).ignore().executeTakeFirst()
  return Number(res.numInsertedOrUpdatedRows ?? 0n)
}

export async function updateCustomerRow(db: Executor, orgId: number, id: number, set: Updateable<CustomersTable>): Promise<void> {
  await db.updateTable('customers').set(set).where('org_id', '=', orgId).where('id', '=', id).execute()
}

export type SyncFollowRow = Pick<
  CustomerFollowRow,
  | 'id'
  | 'customer_id'
  | 'userid'
  | 'remark'
  | 'description'
  | 'remark_mobiles'
  | 'add_way'
  | 'state'
  | 'oper_userid'
  | 'contact_way_id'
  | 'createtime'
  | 'status'
  | 'lost_at'
  | 'deleted_at'
>

export async function findFollowsOfCustomers(db: Executor, orgId: number, customerIds: readonly number[]): Promise<SyncFollowRow[]> {
  if (customerIds.length === 0) return []
  return db
    .selectFrom('customer_follows')
    .select([
      'id',
      'customer_id',
      'userid',
      'remark',
      'description',
      'remark_mobiles',
      'add_way',
      'state',
      'oper_userid',
      'contact_way_id',
      'createtime',
      'status',
      'lost_at',
      'deleted_at',
    ])
    .where(orgOnly('org_id'), '=', orgId)
    .where('customer_id', 'in', customerIds)
    .execute()
}

export async function insertFollowsIgnore(db: Executor, rows: readonly Insertable<CustomerFollowsTable>[]): Promise<void> {
  if (rows.length === 0) return
  await db.insertInto('customer_follows').values(rows).ignore().execute()
}

export async function updateFollowRow(db: Executor, orgId: number, id: number, set: Updateable<CustomerFollowsTable>): Promise<void> {
  await db.updateTable('customer_follows').set(set).where('org_id', '=', orgId).where('id', '=', id).execute()
}

/** The relation-level (userid ≠ '') tag links of these customers: customer_id, userid, local tag id. */
export function findFollowTagLinks(db: Executor, orgId: number, customerIds: readonly number[]) {
  if (customerIds.length === 0) return Promise.resolve([])
  return db
    .selectFrom('customer_tags')
    .select(['customer_id', 'userid', 'tag_ref'])
    .where(orgOnly('org_id'), '=', orgId)
    .where('customer_id', 'in', customerIds)
    .where('userid', '!=', '')
    .execute()
}

export async function insertTagLinks(
  db: Executor,
  rows: readonly { org_id: number; customer_id: number; tag_ref: number; userid: string; created_at: number }[],
): Promise<void> {
  if (rows.length === 0) return
  await db.insertInto('customer_tags').values(rows).ignore().execute()
}

export async function deleteTagLink(
  db: Executor,
  orgId: number,
  customerId: number,
  userid: string,
  tagRefs: readonly number[],
): Promise<void> {
  if (tagRefs.length === 0) return
  await db
    .deleteFrom('customer_tags')
    .where('org_id', '=', orgId)
    .where('customer_id', '=', customerId)
    .where('userid', '=', userid)
    .where('tag_ref', 'in', tagRefs)
    .execute()
}

/** WeCom tag id → local tags.id of the org's mirrored corp tags. */
export async function findWecomTagRefs(db: Executor, orgId: number): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('tags')
    .select(['id', 'tag_id'])
    .where('org_id', '=', orgId)
    .where('source', '=', 'wecom')
    .where('tag_id', 'is not', null)
    .execute()
  return new Map(rows.map((r) => [r.tag_id!, r.id]))
}

export async function insertLeadsIgnore(
  db: Executor,
  rows: readonly {
    org_id: number
    customer_id: number
    channel_state: string | null
    contact_way_id: number | null
    owner_userid: string
    now: number
  }[],
): Promise<void> {
  if (rows.length === 0) return
  await db
    .insertInto('crm_leads')
    .values(
      rows.map((r) => ({
        org_id: r.org_id,
        customer_id: r.customer_id,
        source: 'wecom',
        channel_state: r.channel_state,
        contact_way_id: r.contact_way_id,
        owner_userid: r.owner_userid,
        status: 'new' as const,
        created_at: r.now,
        updated_at: r.now,
      })),
    )
    .ignore()
    .execute()
}

// ---------------------------------------------------------------- contact ways (attribution, import)

/** Every way of the org with a state: the attribution table (state → ways with their creation time). */
export function findWaysForAttribution(db: Executor, orgId: number) {
  return db
    .selectFrom('contact_ways')
    .select(['id', 'state', 'wecom_state', 'channel_name', 'created_at', 'external', 'config_id'])
    .where('org_id', '=', orgId)
    .execute()
}

export async function insertExternalWay(db: Executor, values: Insertable<ContactWaysTable>): Promise<void> {
  await db.insertInto('contact_ways').values(values).execute()
}
