// Writes to the customer event log and reads the timeline's sources (events, welcome outcomes, broadcast results, messages).
import type { Insertable } from 'kysely'
import type { Executor } from '../../db/database'
import { num } from '../../db/dialect'
import { chunks } from '../tags/tags.repository'
import type { CustomerEventsTable } from './customer-events.table'

export type CustomerEventInsert = Insertable<CustomerEventsTable>

/** Appends events; one whose (org, dedupe_key) exists already is a replay and is skipped. */
export async function insertCustomerEvents(db: Executor, rows: readonly CustomerEventInsert[]): Promise<void> {
  for (const part of chunks(rows, 200)) {
    if (part.length) await db.insertInto('customer_events').values(part).ignore().execute()
  }
}

/** WeCom tag links (tag refs) of one relation, or the CRM links when userid is ''. */
export async function findLinkRefs(db: Executor, orgId: number, customerId: number, userid: string): Promise<number[]> {
  const rows = await db
    .selectFrom('customer_tags')
    .select('tag_ref')
    .where('org_id', '=', orgId)
    .where('customer_id', '=', customerId)
    .where('userid', '=', userid)
    .execute()
  return rows.map((r) => r.tag_ref)
}

/** Local tag refs of WeCom tag ids. */
export async function findRefsOfWecomTagIds(db: Executor, orgId: number, tagIds: readonly string[]): Promise<number[]> {
  if (!tagIds.length) return []
  const rows = await db
    .selectFrom('tags')
    .select('id')
    .where('org_id', '=', orgId)
    .where('tag_id', 'in', [...tagIds])
    .execute()
  return rows.map((r) => r.id)
}

// ---------------------------------------------------------------- timeline sources, newest first, at most `limit` each

export function findCustomerEvents(db: Executor, orgId: number, customerId: number, limit: number) {
  return db
    .selectFrom('customer_events')
    .select(['id', 'kind', 'userid', 'actor_type', 'actor_id', 'detail', 'at'])
    .where('org_id', '=', orgId)
    .where('customer_id', '=', customerId)
    .orderBy('at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute()
}

export async function countCustomerEvents(db: Executor, orgId: number, customerId: number): Promise<number> {
  const r = await db
    .selectFrom('customer_events')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('org_id', '=', orgId)
    .where('customer_id', '=', customerId)
    .executeTakeFirstOrThrow()
  return num(r.n)
}

export function findWelcomeSendsOf(db: Executor, orgId: number, externalUserid: string, limit: number) {
  return db
    .selectFrom('welcome_sends')
    .select(['id', 'userid', 'status', 'errcode', 'error', 'created_at', 'updated_at'])
    .where('org_id', '=', orgId)
    .where('customer_external_userid', '=', externalUserid)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute()
}

export async function countWelcomeSendsOf(db: Executor, orgId: number, externalUserid: string): Promise<number> {
  const r = await db
    .selectFrom('welcome_sends')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('org_id', '=', orgId)
    .where('customer_external_userid', '=', externalUserid)
    .executeTakeFirstOrThrow()
  return num(r.n)
}

/** The customer's broadcast targets handed to WeCom, with their broadcast's title; dated by delivery, else by the last change. */
export function findBroadcastTargetsOf(db: Executor, orgId: number, customerId: number, limit: number) {
  return (
    db
      .selectFrom('broadcast_targets as t')
      .innerJoin('broadcasts as b', 'b.id', 't.broadcast_id')
      .select(['t.id', 't.sender', 't.status', 't.send_time', 't.updated_at', 'b.id as broadcast_id', 'b.title'])
      .where('t.org_id', '=', orgId)
      .where('t.customer_id', '=', customerId)
      // Not yet handed to WeCom: nothing has reached the customer.
      .where('t.status', '!=', 'pending')
      .orderBy('t.updated_at', 'desc')
      .orderBy('t.id', 'desc')
      .limit(limit)
      .execute()
  )
}

export async function countBroadcastTargetsOf(db: Executor, orgId: number, customerId: number): Promise<number> {
  const r = await db
    .selectFrom('broadcast_targets')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('org_id', '=', orgId)
    .where('customer_id', '=', customerId)
    .where('status', '!=', 'pending')
    .executeTakeFirstOrThrow()
  return num(r.n)
}

export async function countMessagesOf(db: Executor, orgId: number, customerId: number): Promise<number> {
  const r = await db
    .selectFrom('messages')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('org_id', '=', orgId)
    .where('customer_id', '=', customerId)
    .executeTakeFirstOrThrow()
  return num(r.n)
}

/** Names for the entries of one timeline page. */
export async function findStaffNames(db: Executor, orgId: number, userids: readonly string[]): Promise<Map<string, string>> {
  if (!userids.length) return new Map()
  const rows = await db
    .selectFrom('wecom_staff')
    .select(['userid', 'name'])
    .where('org_id', '=', orgId)
    .where('userid', 'in', [...userids])
    .execute()
  return new Map(rows.map((r) => [r.userid, r.name]))
}

export async function findAdminNames(db: Executor, ids: readonly number[]): Promise<Map<number, string>> {
  if (!ids.length) return new Map()
  const rows = await db
    .selectFrom('admin_users')
    .select(['id', 'display_name', 'username'])
    .where('id', 'in', [...ids])
    .execute()
  return new Map(rows.map((r) => [r.id, r.display_name || r.username]))
}

export async function findTagNames(db: Executor, orgId: number, refs: readonly number[]): Promise<Map<number, string>> {
  if (!refs.length) return new Map()
  const rows = await db
    .selectFrom('tags')
    .select(['id', 'name'])
    .where('org_id', '=', orgId)
    .where('id', 'in', [...refs])
    .execute()
  return new Map(rows.map((r) => [r.id, r.name]))
}

export async function findWayNames(db: Executor, orgId: number, ids: readonly number[]): Promise<Map<number, string>> {
  if (!ids.length) return new Map()
  const rows = await db
    .selectFrom('contact_ways')
    .select(['id', 'channel_name'])
    .where('org_id', '=', orgId)
    .where('id', 'in', [...ids])
    .execute()
  return new Map(rows.map((r) => [r.id, r.channel_name]))
}
