// Writes one batch/get_by_user page in bulk: reads what is stored for the page's customers once, writes only what differs.
import type { Insertable, Updateable } from 'kysely'
import type { Executor } from '../../db/database'
import { toJson } from '../../db/dialect'
import type { ExternalContactWithFollowInfo } from '../../platform/wecom/external-contact.types'
import { ensureCrmTag } from '../tags/tags.repository'
import { linkCrmTag } from './customers.repository'
import { customerFieldsFrom } from './customers.ingest'
import {
  deleteTagLink,
  findCustomersByExternal,
  findFollowTagLinks,
  findFollowsOfCustomers,
  insertCustomersIgnore,
  insertFollowsIgnore,
  insertLeadsIgnore,
  insertTagLinks,
  updateCustomerRow,
  updateFollowRow,
  type SyncCustomerRow,
  type SyncFollowRow,
} from './customer-sync.repository'
import type { CustomerFollowsTable, CustomersTable } from './customers.table'
import { insertCustomerEvents, type CustomerEventInsert } from './customer-events.repository'
import { CUSTOMER, SYSTEM, eventRow, remarkEdits, tagEdits } from './customer-events'

const cut = (s: string | undefined | null, n: number) => (s ?? '').slice(0, n)

/** What the page writer needs to know about the org beyond the page itself. */
export interface PageContext {
  orgId: number
  now: number
  /** The way a relation with this state, added at this time (ms), is credited to; null keeps it 未归属. */
  attribute(state: string, createtimeMs: number): AttributedWay | null
  /** Whether the stored attribution of a relation added at createtimeMs to way `wayId` is possible at all. */
  wayExistedAt(wayId: number, createtimeMs: number): boolean
  /** Local tag ids of WeCom tag ids; unknown ids come back in `unknown`. */
  tagRefs(tagIds: readonly string[]): { refs: number[]; unknown: string[] }
}

export interface AttributedWay {
  id: number
  sourceTag: { group: string; name: string }
}

export interface PageResult {
  followIds: number[]
  created: number
  updated: number
  unchanged: number
  customersCreated: number
  /** WeCom tag ids the local mirror does not know (their links were skipped). */
  unknownTagIds: string[]
}

function changed<T extends object>(stored: Record<string, unknown>, next: T): Partial<T> {
  const out: Partial<T> = {}
  for (const k of Object.keys(next) as (keyof T & string)[]) if (stored[k] !== next[k]) out[k] = next[k]
  return out
}

const key = (customerId: number, userid: string) => `${customerId}\u0000${userid}`

export async function writeSyncPage(trx: Executor, ctx: PageContext, rows: readonly ExternalContactWithFollowInfo[]): Promise<PageResult> {
  const { orgId, now } = ctx
  const result: PageResult = { followIds: [], created: 0, updated: 0, unchanged: 0, customersCreated: 0, unknownTagIds: [] }
  if (rows.length === 0) return result
  const exts = [...new Set(rows.map((r) => r.external_contact.external_userid))]

  // Customers: insert the missing ones, then read every one back (ids; another writer may have inserted first).
  let customers = new Map((await findCustomersByExternal(trx, orgId, exts)).map((c) => [c.external_userid, c]))
  const missing = exts.filter((e) => !customers.has(e))
  if (missing.length > 0) {
    const firstRow = new Map<string, ExternalContactWithFollowInfo>()
    for (const r of rows) {
      const prev = firstRow.get(r.external_contact.external_userid)
      if (!prev || r.follow_info.createtime < prev.follow_info.createtime) firstRow.set(r.external_contact.external_userid, r)
    }
    const inserts: Insertable<CustomersTable>[] = missing.map((ext) => {
      const r = firstRow.get(ext)!
      const createtime = r.follow_info.createtime * 1000
      const state = r.follow_info.state ?? ''
      const way = state ? ctx.attribute(state, createtime) : null
      return {
        org_id: orgId,
        external_userid: ext,
        ...customerFieldsFrom(r.external_contact),
        channel_state: state ? cut(state, 64) : null,
        contact_way_id: way?.id ?? null,
        status: 'active',
        first_added_at: createtime,
        created_at: now,
        updated_at: now,
      }
    })
    result.customersCreated = await insertCustomersIgnore(trx, inserts)
    customers = new Map((await findCustomersByExternal(trx, orgId, exts)).map((c) => [c.external_userid, c]))
    const leads = inserts.map((c) => ({
      org_id: orgId,
      customer_id: customers.get(c.external_userid)!.id,
      channel_state: c.channel_state ?? null,
      contact_way_id: c.contact_way_id ?? null,
      owner_userid: cut(firstRow.get(c.external_userid)!.follow_info.userid, 64),
      now,
    }))
    await insertLeadsIgnore(trx, leads)
  }
  const customerIds = [...customers.values()].map((c) => c.id)
  const follows = new Map((await findFollowsOfCustomers(trx, orgId, customerIds)).map((f) => [key(f.customer_id, f.userid), f]))
  const links = new Map<string, Set<number>>()
  for (const l of await findFollowTagLinks(trx, orgId, customerIds)) {
    const k = key(l.customer_id, l.userid)
    let s = links.get(k)
    if (!s) links.set(k, (s = new Set()))
    s.add(l.tag_ref)
  }

  const customerPatches = new Map<number, Updateable<CustomersTable>>()
  const patchCustomer = (c: SyncCustomerRow, p: Updateable<CustomersTable>) => {
    const merged = { ...(customerPatches.get(c.id) ?? {}), ...p }
    if (Object.keys(merged).length > 0) customerPatches.set(c.id, merged)
  }
  const followInserts: Insertable<CustomerFollowsTable>[] = []
  const touched = new Set<string>()
  const sourceTags: { customerId: number; tag: AttributedWay['sourceTag'] }[] = []
  const unknown = new Set<string>()
  const linkInserts: { org_id: number; customer_id: number; tag_ref: number; userid: string; created_at: number }[] = []
  const linkDeletes: { customerId: number; userid: string; refs: number[] }[] = []
  const rowKeys: string[] = []
  // What the pass found changed, for the timeline; written with the page.
  const events: CustomerEventInsert[] = []

  for (const r of rows) {
    const c = customers.get(r.external_contact.external_userid)!
    const f = r.follow_info
    const userid = f.userid
    const k = key(c.id, userid)
    rowKeys.push(k)
    const createtime = f.createtime * 1000
    const state = cut(f.state, 64)
    const fields = {
      remark: cut(f.remark, 100),
      description: cut(f.description, 300),
      remark_mobiles: toJson(f.remark_mobiles ?? []),
      add_way: f.add_way ?? 0,
      state,
      oper_userid: cut(f.oper_userid, 64),
      createtime,
    }
    const stored = follows.get(k)
    const ev = { orgId, customerId: c.id, userid, actor: SYSTEM, at: now, now, via: 'sync' as const }
    if (!stored) {
      const way = state ? ctx.attribute(state, createtime) : null
      followInserts.push({
        org_id: orgId,
        customer_id: c.id,
        userid,
        ...fields,
        contact_way_id: way?.id ?? null,
        status: 'active',
        lost_at: null,
        deleted_at: null,
        updated_at: now,
      })
      if (way) sourceTags.push({ customerId: c.id, tag: way.sourceTag })
      events.push(eventRow({ ...ev, actor: CUSTOMER, at: createtime }, 'added', { contactWayId: way?.id ?? null, state }))
    } else {
      const current = { ...stored, createtime: Number(stored.createtime) } as unknown as Record<string, unknown>
      const patch: Updateable<CustomerFollowsTable> = changed(current, fields)
      const endedAt = Math.max(Number(stored.lost_at ?? 0), Number(stored.deleted_at ?? 0))
      // WeCom lists the relation: active again, unless our recorded end is newer than the relation it lists.
      if (stored.status !== 'active' && createtime >= endedAt) {
        Object.assign(patch, { status: 'active', lost_at: null, deleted_at: null })
        events.push(eventRow({ ...ev, actor: CUSTOMER, at: createtime }, 're_added', { state }))
      }
      events.push(...remarkEdits(ev, stored, patch))
      if (stored.contact_way_id === null) {
        const way = state ? ctx.attribute(state, createtime) : null
        if (way) {
          patch.contact_way_id = way.id
          sourceTags.push({ customerId: c.id, tag: way.sourceTag })
        }
      } else if (!ctx.wayExistedAt(stored.contact_way_id, createtime)) {
        // Credited by state alone to a code made after this relation began: it was not that code.
        patch.contact_way_id = ctx.attribute(state, createtime)?.id ?? null
      }
      if (Object.keys(patch).length > 0) {
        await updateFollowRow(trx, orgId, stored.id, { ...patch, updated_at: now })
        touched.add(k)
      }
    }
    // Customer fields: the detail is the same on every row of the customer, so the first row decides.
    if (!customerPatches.has(c.id)) {
      const p: Updateable<CustomersTable> = changed(c as unknown as Record<string, unknown>, customerFieldsFrom(r.external_contact))
      patchCustomer(c, p)
    }
    const extra: Updateable<CustomersTable> = {}
    if (
      c.status !== 'active' &&
      (!stored || stored.status === 'active' || createtime >= Math.max(Number(stored.lost_at ?? 0), Number(stored.deleted_at ?? 0)))
    )
      extra.status = 'active'
    if (c.first_added_at == null) extra.first_added_at = createtime
    if (c.channel_state == null && state) extra.channel_state = state
    if (c.contact_way_id == null && state) {
      const way = ctx.attribute(state, createtime)
      if (way) extra.contact_way_id = way.id
    } else if (c.contact_way_id != null && c.first_added_at != null && !ctx.wayExistedAt(c.contact_way_id, Number(c.first_added_at))) {
      extra.contact_way_id = null
    }
    patchCustomer(c, extra)

    const { refs, unknown: u } = ctx.tagRefs(f.tag_id ?? [])
    for (const id of u) unknown.add(id)
    const have = links.get(k) ?? new Set<number>()
    const want = new Set(refs)
    const add = refs.filter((ref) => !have.has(ref))
    const drop = [...have].filter((ref) => !want.has(ref))
    for (const ref of add) linkInserts.push({ org_id: orgId, customer_id: c.id, tag_ref: ref, userid, created_at: now })
    if (drop.length > 0) linkDeletes.push({ customerId: c.id, userid, refs: drop })
    if (add.length > 0 || drop.length > 0) touched.add(k)
    // A relation new to us has no history to diff against.
    if (stored) events.push(...tagEdits(ev, [...have], [...have].filter((r) => want.has(r)).concat(add)))
  }

  await insertFollowsIgnore(trx, followInserts)
  for (const [id, p] of customerPatches) {
    const c = [...customers.values()].find((x) => x.id === id)!
    if (Object.keys(p).length === 0) continue
    await updateCustomerRow(trx, orgId, id, { ...p, updated_at: now })
    // Whose page wrote the customer: counted on its first row of this page.
    const first = rowKeys.find((k) => k.startsWith(`${c.id}\u0000`))
    if (first) touched.add(first)
  }
  await insertTagLinks(trx, linkInserts)
  for (const d of linkDeletes) await deleteTagLink(trx, orgId, d.customerId, d.userid, d.refs)
  await insertCustomerEvents(trx, events)
  for (const s of sourceTags) {
    if (!(await linkCrmTag(trx, orgId, s.customerId, s.tag, now))) {
      await ensureCrmTag(trx, orgId, s.tag.group, s.tag.name, now)
      await linkCrmTag(trx, orgId, s.customerId, s.tag, now)
    }
  }

  let ids: Map<string, SyncFollowRow> = follows
  if (followInserts.length > 0) {
    ids = new Map(
      (await findFollowsOfCustomers(trx, orgId, [...new Set(followInserts.map((f) => f.customer_id))])).map((f) => [
        key(f.customer_id, f.userid),
        f,
      ]),
    )
    for (const [k, f] of follows) if (!ids.has(k)) ids.set(k, f)
  }
  const inserted = new Set(followInserts.map((f) => key(f.customer_id, f.userid)))
  for (const k of new Set(rowKeys)) {
    const f = ids.get(k)
    if (f) result.followIds.push(f.id)
    if (inserted.has(k)) result.created++
    else if (touched.has(k)) result.updated++
    else result.unchanged++
  }
  result.unknownTagIds = [...unknown]
  return result
}
