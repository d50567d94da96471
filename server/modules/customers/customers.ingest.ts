// Writes what WeCom says about a customer (detail, add attribution, relation ends) into customers, follows, leads and tag links.
import type { Selectable, Updateable } from 'kysely'
import type { Executor } from '../../db/database'
import { toJson } from '../../db/dialect'
import type { ExternalContact, FollowUser } from '../../platform/wecom/external-contact.types'
import { ensureCrmTag } from '../tags/tags.repository'
import {
  findCustomerWithFollow,
  findFollowByExternalUserid,
  hasActiveFollow,
  insertCustomerIfAbsent,
  insertFollowIfAbsent,
  insertLeadIfAbsent,
  linkCrmTag,
  linkFollowTags,
  replaceFollowTags,
  setFollowEnded,
  updateCustomer,
  updateFollow,
} from './customers.repository'
import type { CustomersTable, CustomerFollowsTable, FollowStatus } from './customers.table'
import { findLinkRefs, insertCustomerEvents, type CustomerEventInsert } from './customer-events.repository'
import { CUSTOMER, SYSTEM, eventRow, remarkEdits, staffActor, tagEdits, type EventActor } from './customer-events'

// The callback handlers take the link writer from here, beside ingestContact.
export { linkFollowTags }

/** Strings are cut to their column sizes: MySQL in strict mode refuses longer values, SQLite would keep them. */
const cut = (s: string | undefined | null, n: number) => (s ?? '').slice(0, n)
const cutOrNull = (s: string | undefined | null, n: number) => (s ? s.slice(0, n) : null)

type CustomerDetailFields = Pick<
  Selectable<CustomersTable>,
  'name' | 'avatar' | 'type' | 'gender' | 'unionid' | 'position' | 'corp_name' | 'corp_full_name'
>
type FollowDetailFields = Pick<
  Selectable<CustomerFollowsTable>,
  'remark' | 'description' | 'remark_mobiles' | 'add_way' | 'state' | 'oper_userid' | 'createtime'
>

export function customerFieldsFrom(c: ExternalContact): CustomerDetailFields {
  return {
    name: cut(c.name, 100),
    avatar: cutOrNull(c.avatar, 1024),
    type: c.type ?? 1,
    gender: c.gender ?? 0,
    unionid: cutOrNull(c.unionid, 64),
    position: cutOrNull(c.position, 100),
    corp_name: cutOrNull(c.corp_name, 100),
    corp_full_name: cutOrNull(c.corp_full_name, 200),
  }
}

export function followFieldsFrom(f: FollowUser): FollowDetailFields {
  return {
    remark: cut(f.remark, 100),
    description: cut(f.description, 300),
    remark_mobiles: toJson(f.remark_mobiles ?? []),
    add_way: f.add_way ?? 0,
    state: cut(f.state, 64),
    oper_userid: cut(f.oper_userid, 64),
    createtime: f.createtime * 1000,
  }
}

/** WeCom corp tag ids on a relation according to the detail (type 1 only: personal tags have no id, rule-group tags are not mirrored). */
export const corpTagIdsOf = (f: FollowUser | undefined): string[] =>
  (f?.tags ?? []).filter((t) => t.type === 1 && t.tag_id).map((t) => t.tag_id!)

/** Only the keys whose values differ from the stored row. */
function changed<T extends object>(stored: Record<string, unknown>, next: T): Partial<T> {
  const out: Partial<T> = {}
  for (const k of Object.keys(next) as (keyof T & string)[]) if (stored[k] !== next[k]) out[k] = next[k]
  return out
}

export interface AddAttribution {
  /** The event's State ('' when the customer did not come through a contact way). */
  state: string
  contactWayId: number | null
  /** The CRM tag 来源:企业微信-<渠道名> (group / tag name), when the contact way is known. */
  sourceTag: { group: string; name: string } | null
  /** CreateTime of the add event, ms. */
  eventTimeMs: number
  /** Staff member the lead is assigned to. */
  ownerUserid: string
}

export interface IngestInput {
  orgId: number
  contact: ExternalContact
  userid: string
  /** The relation with `userid` from the detail; undefined when WeCom no longer lists it. */
  follow: FollowUser | undefined
  /** Set for add events: channel attribution, lead, source tag, and the relation becomes active. */
  add?: AddAttribution
  now: number
  /** Who made the remark/tag changes this write finds (the system when not said); an add is always the customer's. */
  actor?: EventActor
  /** The cause's key (e.g. `cb:<callback event id>`): its events are written at most once. */
  dedupeKey?: string
  /**
   * WeCom tags this event has just marked on the relation (a contact way's, absent from the detail): linked with the
   * detail's and recorded as one automatic tag_added under their own key, in this same transaction.
   */
  markedTags?: { tagIds: string[]; refs: number[]; dedupeKey: string }
}

export interface IngestResult {
  customerId: number
  customerCreated: boolean
  /** The relation became active in this write (new, or re-added after it ended): false when an add is replayed. */
  followActivated: boolean
  /** WeCom corp tag ids the relation carries according to the detail. */
  followTagIds: string[]
}

/**
 * Upserts the customer (only changed fields), the relation with `userid` and its WeCom tag links, and for add events the
 * channel attribution, the CRM lead and the source tag. Run it inside one transaction; replaying it changes nothing.
 */
export async function ingestContact(trx: Executor, input: IngestInput): Promise<IngestResult> {
  const { orgId, userid, follow, add, now } = input
  const ext = input.contact.external_userid
  const fields = customerFieldsFrom(input.contact)
  const followFields = follow ? followFieldsFrom(follow) : undefined

  // An add is usually a new customer: it tries the insert first and reads the row only when one exists already.
  let current = add ? undefined : await findCustomerWithFollow(trx, orgId, ext, userid)
  let customerCreated = false
  if (!current) {
    const values = {
      org_id: orgId,
      external_userid: ext,
      ...fields,
      channel_state: add?.state ? cut(add.state, 64) : null,
      contact_way_id: add?.contactWayId ?? null,
      status: 'active' as const,
      first_added_at: followFields?.createtime ?? add?.eventTimeMs ?? null,
      created_at: now,
      updated_at: now,
    }
    const insertedId = await insertCustomerIfAbsent(trx, values)
    customerCreated = insertedId !== null
    // Inserted: the row is what we wrote. Ignored: another worker added the same customer first and its row is
    // committed and visible now (MySQL runs this at READ COMMITTED, see writeTransaction).
    current = insertedId !== null ? { id: insertedId, ...values, ...NO_FOLLOW } : await findCustomerWithFollow(trx, orgId, ext, userid)
    if (!current) throw new Error(`customer ${ext} neither inserted nor found`)
  }
  const customerId = current.id
  const events: CustomerEventInsert[] = []
  const ev = { orgId, customerId, userid, actor: input.actor ?? SYSTEM, at: now, now, dedupeKey: input.dedupeKey }

  // The relation: an add makes it active unless it ended after the relation WeCom shows was created (a late replay).
  let followActivated = false
  let followInserted = false
  let followStatus: FollowStatus | null = current.follow_id === null ? null : current.follow_status
  if (followFields) {
    const endedAt = Math.max(Number(current.follow_lost_at ?? 0), Number(current.follow_deleted_at ?? 0))
    const reactivate = !!add && (followStatus === null || followStatus === 'active' || followFields.createtime >= endedAt)
    const next = {
      ...followFields,
      ...(reactivate ? { status: 'active' as const, lost_at: null, deleted_at: null } : {}),
      ...(add?.contactWayId ? { contact_way_id: add.contactWayId } : {}),
    }
    if (current.follow_id === null) {
      followInserted = await insertFollowIfAbsent(trx, {
        org_id: orgId,
        customer_id: customerId,
        userid,
        ...followFields,
        contact_way_id: add?.contactWayId ?? null,
        status: 'active',
        lost_at: null,
        deleted_at: null,
        updated_at: now,
      })
      followActivated = !!add && followInserted
      followStatus = 'active'
    } else {
      const stored = {
        remark: current.follow_remark,
        description: current.follow_description,
        remark_mobiles: current.follow_remark_mobiles,
        add_way: current.follow_add_way,
        state: current.follow_state,
        oper_userid: current.follow_oper_userid,
        createtime: Number(current.follow_createtime),
        status: current.follow_status,
        lost_at: current.follow_lost_at,
        deleted_at: current.follow_deleted_at,
        contact_way_id: current.follow_contact_way_id,
      }
      const patch = changed(stored, next)
      events.push(
        ...remarkEdits(ev, { remark: stored.remark!, description: stored.description!, remark_mobiles: stored.remark_mobiles! }, patch),
      )
      if (Object.keys(patch).length > 0) {
        await updateFollow(trx, orgId, current.follow_id, { ...patch, updated_at: now })
      }
      // A new createtime means WeCom has a new relation although we never saw the old one end.
      followActivated = reactivate && (stored.status !== 'active' || stored.createtime !== followFields.createtime)
      if (reactivate) followStatus = 'active'
    }
    if (followActivated) {
      const at = add?.eventTimeMs ?? followFields.createtime
      events.push(
        eventRow({ ...ev, actor: CUSTOMER, at }, followInserted ? 'added' : 're_added', {
          contactWayId: add?.contactWayId ?? null,
          state: add?.state ?? followFields.state,
        }),
      )
    }
  }

  const customerPatch: Updateable<CustomersTable> = changed(current as unknown as Record<string, unknown>, fields)
  if (add) {
    if (current.channel_state == null && add.state) customerPatch.channel_state = cut(add.state, 64)
    if (current.contact_way_id == null && add.contactWayId) customerPatch.contact_way_id = add.contactWayId
  }
  const firstAdded = followFields?.createtime ?? add?.eventTimeMs
  if (current.first_added_at == null && firstAdded) customerPatch.first_added_at = firstAdded
  if (followStatus === 'active' && current.status !== 'active') customerPatch.status = 'active'
  if (!customerCreated && Object.keys(customerPatch).length > 0) {
    await updateCustomer(trx, orgId, customerId, { ...customerPatch, updated_at: now })
  }

  if (add) {
    await insertLeadIfAbsent(trx, {
      org_id: orgId,
      customer_id: customerId,
      source: 'wecom',
      channel_state: add.state ? cut(add.state, 64) : null,
      contact_way_id: add.contactWayId,
      owner_userid: cut(add.ownerUserid, 64),
      status: 'new',
      created_at: now,
      updated_at: now,
    })
    if (add.sourceTag && !(await linkCrmTag(trx, orgId, customerId, add.sourceTag, now))) {
      // The channel's first customer: its tag is created here, once per channel (insert-ignore, so racing workers agree).
      await ensureCrmTag(trx, orgId, add.sourceTag.group, add.sourceTag.name, now)
      if (!(await linkCrmTag(trx, orgId, customerId, add.sourceTag, now)))
        throw new Error(`CRM tag ${add.sourceTag.name} could not be linked`)
    }
  }

  const followTagIds = corpTagIdsOf(follow)
  const marked = follow ? input.markedTags : undefined
  const linkIds = marked?.tagIds.length ? [...new Set([...followTagIds, ...marked.tagIds])] : followTagIds
  // A relation written just now has no tag links to take away.
  if (follow && followInserted) await linkFollowTags(trx, orgId, customerId, userid, linkIds, now)
  else if (follow) {
    const before = await findLinkRefs(trx, orgId, customerId, userid)
    await replaceFollowTags(trx, orgId, customerId, userid, linkIds, now)
    const after = await findLinkRefs(trx, orgId, customerId, userid)
    // The marked tags are recorded below as the automatic event, not as this actor's edit.
    const markedRefs = new Set(marked?.refs ?? [])
    events.push(
      ...tagEdits(
        ev,
        before,
        after.filter((r) => !markedRefs.has(r) || before.includes(r)),
      ),
    )
  }
  if (marked && marked.refs.length > 0)
    events.push(eventRow({ ...ev, actor: SYSTEM, dedupeKey: marked.dedupeKey }, 'tag_added', { tags: marked.refs, auto: true }))
  await insertCustomerEvents(trx, events)
  return { customerId, customerCreated, followActivated, followTagIds }
}

const NO_FOLLOW = {
  follow_id: null,
  follow_status: null,
  follow_remark: null,
  follow_description: null,
  follow_remark_mobiles: null,
  follow_add_way: null,
  follow_state: null,
  follow_oper_userid: null,
  follow_createtime: null,
  follow_lost_at: null,
  follow_deleted_at: null,
  follow_contact_way_id: null,
}

export interface EndFollowInput {
  /** The cause's key (e.g. `cb:<callback event id>`): its event is written at most once. */
  dedupeKey?: string
  orgId: number
  externalUserid: string
  userid: string
  status: 'lost' | 'deleted'
  /** When it ended (the event's CreateTime), ms. */
  atMs: number
  now: number
}

export interface EndFollowResult {
  customerId: number
  customerName: string
  /** False on a replay, or when the relation was re-created or ended again after this event. */
  changed: boolean
  /** The customer has no active relation left. */
  customerLost: boolean
}

/** Ends one relation (lost: the customer removed the member; deleted: the member removed the customer). Null if unknown here. */
export async function endFollow(trx: Executor, input: EndFollowInput): Promise<EndFollowResult | null> {
  const row = await findFollowByExternalUserid(trx, input.orgId, input.externalUserid, input.userid)
  if (!row) return null
  const base = { customerId: row.id, customerName: row.name }
  // Events may be handled out of order: an end older than the relation, or than a later recorded end, changes nothing.
  const lastEnd = Math.max(Number(row.lost_at ?? 0), Number(row.deleted_at ?? 0))
  if (row.follow_status === input.status || Number(row.createtime) > input.atMs || lastEnd > input.atMs) {
    return { ...base, changed: false, customerLost: row.status === 'lost' }
  }
  await setFollowEnded(trx, input.orgId, row.follow_id, input.status, input.atMs, input.now)
  // lost: the customer removed the member; deleted: the member removed the customer.
  const actor = input.status === 'lost' ? CUSTOMER : staffActor(input.userid)
  await insertCustomerEvents(trx, [
    eventRow(
      { orgId: input.orgId, customerId: row.id, userid: input.userid, actor, at: input.atMs, now: input.now, dedupeKey: input.dedupeKey },
      input.status,
      {},
    ),
  ])
  const customerLost = !(await hasActiveFollow(trx, input.orgId, row.id))
  if (customerLost && row.status !== 'lost') await updateCustomer(trx, input.orgId, row.id, { status: 'lost', updated_at: input.now })
  return { ...base, changed: true, customerLost }
}
