// Writes what WeCom says about a customer (detail, add attribution, relation ends) into customers, follows, leads and tag links.
import { sql, type Selectable, type Updateable } from 'kysely'
import type { Executor } from '../../db/database'
import { insertedId, toJson } from '../../db/dialect'
import type { ExternalContact, FollowUser } from '../../platform/wecom/external-contact.types'
import type { CustomersTable, CustomerFollowsTable, FollowStatus } from './customers.table'

/** Strings are cut to their column sizes: MySQL in strict mode refuses longer values, SQLite would keep them. */
const cut = (s: string | undefined | null, n: number) => (s ?? '').slice(0, n)
const cutOrNull = (s: string | undefined | null, n: number) => (s ? s.slice(0, n) : null)

type CustomerDetailFields = Pick<Selectable<CustomersTable>, 'name' | 'avatar' | 'type' | 'gender' | 'unionid' | 'position' | 'corp_name' | 'corp_full_name'>
type FollowDetailFields = Pick<Selectable<CustomerFollowsTable>, 'remark' | 'description' | 'remark_mobiles' | 'add_way' | 'state' | 'oper_userid' | 'createtime'>

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
export const corpTagIdsOf = (f: FollowUser | undefined): string[] => (f?.tags ?? []).filter((t) => t.type === 1 && t.tag_id).map((t) => t.tag_id!)

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

  let current = await loadCustomerWithFollow(trx, orgId, ext, userid)
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
    const res = await trx.insertInto('customers').values(values).ignore().executeTakeFirst()
    customerCreated = Number(res.numInsertedOrUpdatedRows ?? 0n) === 1
    // Inserted: the row is what we wrote. Ignored: another worker added the same customer first and its row is
    // committed and visible now (MySQL runs this at READ COMMITTED, see writeTransaction).
    current = customerCreated ? { id: insertedId(res), ...values, ...NO_FOLLOW } : await loadCustomerWithFollow(trx, orgId, ext, userid)
    if (!current) throw new Error(`customer ${ext} neither inserted nor found`)
  }
  const customerId = current.id

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
      const res = await trx
        .insertInto('customer_follows')
        .values({
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
        .ignore()
        .executeTakeFirst()
      followInserted = Number(res.numInsertedOrUpdatedRows ?? 0n) === 1
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
      if (Object.keys(patch).length > 0) {
        await trx.updateTable('customer_follows').set({ ...patch, updated_at: now }).where('id', '=', current.follow_id).execute()
      }
      // A new createtime means WeCom has a new relation although we never saw the old one end.
      followActivated = reactivate && (stored.status !== 'active' || stored.createtime !== followFields.createtime)
      if (reactivate) followStatus = 'active'
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
    await trx.updateTable('customers').set({ ...customerPatch, updated_at: now }).where('id', '=', customerId).execute()
  }

  if (add) {
    await trx
      .insertInto('crm_leads')
      .values({
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
      .ignore()
      .execute()
    if (add.sourceTag && !(await linkCrmTag(trx, orgId, customerId, add.sourceTag, now))) {
      // The channel's first customer: its tag is created here, once per channel (insert-ignore, so racing workers agree).
      await ensureCrmTag(trx, orgId, add.sourceTag.group, add.sourceTag.name, now)
      if (!(await linkCrmTag(trx, orgId, customerId, add.sourceTag, now))) throw new Error(`CRM tag ${add.sourceTag.name} could not be linked`)
    }
  }

  const followTagIds = corpTagIdsOf(follow)
  // A relation written just now has no tag links to take away.
  if (follow && followInserted) await linkFollowTags(trx, orgId, customerId, userid, followTagIds, now)
  else if (follow) await replaceFollowTags(trx, orgId, customerId, userid, followTagIds, now)
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

/** Links the customer to a CRM tag found by group and tag name, in one statement. False when no such tag exists; true when linked now or before. */
export async function linkCrmTag(db: Executor, orgId: number, customerId: number, tag: { group: string; name: string }, now: number): Promise<boolean> {
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
    .expression(crmTag(db).select((eb) => [eb.val(orgId).as('org_id'), eb.val(customerId).as('customer_id'), 't.id', eb.val('').as('userid'), eb.val(now).as('created_at')]))
    .ignore()
    .executeTakeFirst()
  if (Number(res.numInsertedOrUpdatedRows ?? 0n) === 1) return true
  // Nothing inserted: linked already (a replay), or no such tag yet.
  const linked = await crmTag(db).innerJoin('customer_tags as ct', 'ct.tag_ref', 't.id').select('ct.id').where('ct.customer_id', '=', customerId).where('ct.userid', '=', '').executeTakeFirst()
  return !!linked
}

function loadCustomerWithFollow(db: Executor, orgId: number, ext: string, userid: string) {
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
export async function replaceFollowTags(db: Executor, orgId: number, customerId: number, userid: string, tagIds: string[], now: number): Promise<void> {
  let del = db.deleteFrom('customer_tags').where('customer_id', '=', customerId).where('userid', '=', userid)
  if (tagIds.length > 0) {
    del = del.where('tag_ref', 'not in', db.selectFrom('tags').select('id').where('org_id', '=', orgId).where('tag_id', 'in', tagIds))
  }
  await del.execute()
  await linkFollowTags(db, orgId, customerId, userid, tagIds, now)
}

/** Adds links from the relation to the local mirrors of these WeCom tag ids (unknown ids are skipped). */
export async function linkFollowTags(db: Executor, orgId: number, customerId: number, userid: string, tagIds: string[], now: number): Promise<void> {
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

/**
 * The id of a CRM-only tag (tag_id NULL, source 'crm') in a CRM group, creating both when missing. Insert-ignore on the
 * unique keys, so concurrent workers creating the same tag end with one row.
 */
export async function ensureCrmTag(db: Executor, orgId: number, groupName: string, tagName: string, now: number): Promise<number> {
  const find = () =>
    db
      .selectFrom('tags as t')
      .innerJoin('tag_groups as g', 'g.id', 't.group_ref')
      .select('t.id')
      .where('g.org_id', '=', orgId)
      .where('g.source', '=', 'crm')
      .where('g.name', '=', groupName)
      .where('t.name', '=', tagName)
      .executeTakeFirst()
  const hit = await find()
  if (hit) return hit.id
  await db
    .insertInto('tag_groups')
    .values({ org_id: orgId, group_id: null, name: groupName, sort_order: 0, source: 'crm', created_at: now, updated_at: now })
    .ignore()
    .execute()
  await db
    .insertInto('tags')
    .columns(['org_id', 'group_ref', 'tag_id', 'name', 'sort_order', 'source', 'created_at', 'updated_at'])
    .expression(
      db
        .selectFrom('tag_groups')
        .select((eb) => [
          'org_id',
          'id',
          sql<null>`null`.as('tag_id'),
          eb.val(tagName).as('name'),
          eb.val(0).as('sort_order'),
          eb.val('crm').as('source'),
          eb.val(now).as('created_at'),
          eb.val(now).as('updated_at'),
        ])
        .where('org_id', '=', orgId)
        .where('source', '=', 'crm')
        .where('name', '=', groupName),
    )
    .ignore()
    .execute()
  const created = await find()
  if (!created) throw new Error(`CRM tag ${groupName}/${tagName} could not be created`)
  return created.id
}

export interface EndFollowInput {
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
  const row = await trx
    .selectFrom('customers as c')
    .innerJoin('customer_follows as f', 'f.customer_id', 'c.id')
    .select(['c.id', 'c.name', 'c.status', 'f.id as follow_id', 'f.status as follow_status', 'f.createtime', 'f.lost_at', 'f.deleted_at'])
    .where('c.org_id', '=', input.orgId)
    .where('c.external_userid', '=', input.externalUserid)
    .where('f.userid', '=', input.userid)
    .executeTakeFirst()
  if (!row) return null
  const base = { customerId: row.id, customerName: row.name }
  // Events may be handled out of order: an end older than the relation, or than a later recorded end, changes nothing.
  const lastEnd = Math.max(Number(row.lost_at ?? 0), Number(row.deleted_at ?? 0))
  if (row.follow_status === input.status || Number(row.createtime) > input.atMs || lastEnd > input.atMs) {
    return { ...base, changed: false, customerLost: row.status === 'lost' }
  }
  await trx
    .updateTable('customer_follows')
    .set({ status: input.status, ...(input.status === 'lost' ? { lost_at: input.atMs } : { deleted_at: input.atMs }), updated_at: input.now })
    .where('id', '=', row.follow_id)
    .execute()
  const active = await trx
    .selectFrom('customer_follows')
    .select('id')
    .where('customer_id', '=', row.id)
    .where('status', '=', 'active')
    .limit(1)
    .executeTakeFirst()
  const customerLost = !active
  if (customerLost && row.status !== 'lost') {
    await trx.updateTable('customers').set({ status: 'lost', updated_at: input.now }).where('id', '=', row.id).execute()
  }
  return { ...base, changed: true, customerLost }
}
