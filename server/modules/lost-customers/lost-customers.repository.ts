// Queries on ended relations (流失客户), the lost-customer alert setting and the digest's once-per-day claims.
import { sql } from 'kysely'
import type { Executor } from '../../db/database'
import { isDuplicateKey, num } from '../../db/dialect'
import type { LostFilter } from '../../../shared/schemas/lost-customer'
import type { LostAlertMode } from './lost-customers.table'

/**
 * When the relation ended: deleted_at when the staff member ended it, else lost_at (the customer's side, the sync). By
 * status, not coalesce: a relation lost, re-added and then deleted keeps its old lost_at.
 */
const endedAt = sql<number>`case when f.status = 'deleted' then f.deleted_at else f.lost_at end`

function endedFollows(db: Executor, orgId: number, f: LostFilter) {
  let q = db.selectFrom('customer_follows as f').where('f.org_id', '=', orgId).where('f.status', 'in', ['lost', 'deleted'])
  if (f.userid) q = q.where('f.userid', '=', f.userid)
  if (f.from !== undefined) q = q.where(endedAt, '>=', f.from)
  if (f.to !== undefined) q = q.where(endedAt, '<', f.to)
  return q
}

export async function countEndedFollows(db: Executor, orgId: number, f: LostFilter): Promise<number> {
  const r = await endedFollows(db, orgId, f)
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow()
  return num(r.n)
}

/** Newest first; `page` null for the CSV export (every matching row). */
export function findEndedFollows(db: Executor, orgId: number, f: LostFilter, page: { page: number; pageSize: number } | null) {
  let q = endedFollows(db, orgId, f)
    .innerJoin('customers as c', (j) => j.onRef('c.id', '=', 'f.customer_id').onRef('c.org_id', '=', 'f.org_id'))
    .leftJoin('wecom_staff as s', (j) => j.onRef('s.org_id', '=', 'f.org_id').onRef('s.userid', '=', 'f.userid'))
    .select([
      'f.id',
      'f.customer_id',
      'c.external_userid',
      'c.name',
      'c.avatar',
      'f.userid',
      's.name as staff_name',
      'f.remark',
      'f.createtime',
      'f.status',
      'f.lost_by',
      endedAt.as('ended_at'),
    ])
    .orderBy(endedAt, 'desc')
    .orderBy('f.id', 'desc')
  if (page) q = q.limit(page.pageSize).offset((page.page - 1) * page.pageSize)
  return q.execute()
}

export function findAlertSetting(db: Executor, orgId: number) {
  return db.selectFrom('lost_alert_settings').selectAll().where('org_id', '=', orgId).executeTakeFirst()
}

export async function saveAlertSetting(db: Executor, orgId: number, mode: LostAlertMode, recipients: string[], now: number) {
  const set = { mode, recipients: JSON.stringify(recipients), updated_at: now }
  const r = await db.updateTable('lost_alert_settings').set(set).where('org_id', '=', orgId).executeTakeFirst()
  if (Number(r.numUpdatedRows) > 0) return
  try {
    await db
      .insertInto('lost_alert_settings')
      .values({ org_id: orgId, ...set })
      .execute()
  } catch (err) {
    // Two admins saving the first setting at once: the later write wins, as an update.
    if (!isDuplicateKey(err)) throw err
    await db.updateTable('lost_alert_settings').set(set).where('org_id', '=', orgId).execute()
  }
}

export function findDigestOrgs(db: Executor) {
  return db.selectFrom('lost_alert_settings').select(['org_id', 'recipients']).where('mode', '=', 'digest').execute()
}

/** Claims one recipient's digest for `day`; false when another run (or instance) already did. */
export async function claimDigest(
  db: Executor,
  row: { org_id: number; day: string; userid: string; lost_count: number; created_at: number },
) {
  try {
    await db.insertInto('lost_alert_digests').values(row).execute()
    return true
  } catch (err) {
    if (isDuplicateKey(err)) return false
    throw err
  }
}

/** The customers' names behind some of the org's relations (the sync's lost notice names a few of them). */
export function findFollowCustomerNames(db: Executor, orgId: number, followIds: readonly number[]) {
  if (followIds.length === 0) return Promise.resolve([])
  return db
    .selectFrom('customer_follows as f')
    .innerJoin('customers as c', (j) => j.onRef('c.id', '=', 'f.customer_id').onRef('c.org_id', '=', 'f.org_id'))
    .select(['f.id', 'c.name', 'c.external_userid'])
    .where('f.org_id', '=', orgId)
    .where('f.id', 'in', followIds)
    .orderBy('f.id')
    .execute()
}
