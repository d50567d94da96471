// Builds customer event rows (who did what to which relation); callers write them in the transaction of the change itself.
import { fromJson, toJson } from '../../db/dialect'
import type { CustomerEventInsert } from './customer-events.repository'
import type { CustomerEventActor, CustomerEventKind } from './customer-events.table'

export interface EventActor {
  type: CustomerEventActor
  /** A WeCom userid (staff), an admin_users id (admin), '' otherwise. */
  id: string
}

export const SYSTEM: EventActor = { type: 'system', id: '' }
export const CUSTOMER: EventActor = { type: 'customer', id: '' }
export const staffActor = (userid: string): EventActor => ({ type: 'staff', id: userid })
export const adminActor = (adminId: number): EventActor => ({ type: 'admin', id: String(adminId) })

export interface EventContext {
  orgId: number
  customerId: number
  /** The relation's staff member, '' when the event is about the customer alone (CRM tags). */
  userid: string
  actor: EventActor
  at: number
  now: number
  /** Per cause (e.g. one callback): each kind gets `${dedupeKey}:${kind}:${userid}`, so a replay writes nothing twice. */
  dedupeKey?: string
  /** 'sync' when the customer sync found the change (the timeline says so). */
  via?: 'sync'
}

export function eventRow(ctx: EventContext, kind: CustomerEventKind, detail: Record<string, unknown>): CustomerEventInsert {
  return {
    org_id: ctx.orgId,
    customer_id: ctx.customerId,
    kind,
    userid: ctx.userid.slice(0, 64),
    actor_type: ctx.actor.type,
    actor_id: ctx.actor.id.slice(0, 64),
    detail: toJson(ctx.via ? { ...detail, via: ctx.via } : detail),
    dedupe_key: ctx.dedupeKey ? `${ctx.dedupeKey}:${kind}:${ctx.userid}`.slice(0, 128) : null,
    at: ctx.at,
    created_at: ctx.now,
  }
}

export interface RemarkFields {
  remark: string
  description: string
  /** JSON string[] as stored. */
  remark_mobiles: string
}

/** One event per edited field: 备注, 描述, 手机号. */
export function remarkEdits(ctx: EventContext, before: RemarkFields, after: Partial<RemarkFields>): CustomerEventInsert[] {
  const out: CustomerEventInsert[] = []
  if (after.remark !== undefined && after.remark !== before.remark)
    out.push(eventRow(ctx, 'remark', { from: before.remark, to: after.remark }))
  if (after.description !== undefined && after.description !== before.description)
    out.push(eventRow(ctx, 'description', { from: before.description, to: after.description }))
  if (after.remark_mobiles !== undefined) {
    const from = fromJson<string[]>(before.remark_mobiles, [])
    const to = fromJson<string[]>(after.remark_mobiles, [])
    if (from.join(',') !== to.join(',')) out.push(eventRow(ctx, 'mobiles', { from: from.join('、'), to: to.join('、') }))
  }
  return out
}

/** tag_added / tag_removed with the tag refs that really changed. */
export function tagEdits(ctx: EventContext, before: readonly number[], after: readonly number[]): CustomerEventInsert[] {
  const had = new Set(before)
  const has = new Set(after)
  const added = [...has].filter((r) => !had.has(r))
  const removed = [...had].filter((r) => !has.has(r))
  return [
    ...(added.length ? [eventRow(ctx, 'tag_added', { tags: added })] : []),
    ...(removed.length ? [eventRow(ctx, 'tag_removed', { tags: removed })] : []),
  ]
}
