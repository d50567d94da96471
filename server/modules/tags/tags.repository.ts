// Queries on tag_groups, tags and customer_tags; every one is scoped to an org.
import { sql } from 'kysely'
import type { Executor } from '../../db/database'
import { insertedId, num, upsert } from '../../db/dialect'
import { lockOrgRow } from '../../db/transaction'
import type { TagSource } from './tags.table'

/** IN lists are cut into chunks this long, well under both engines' parameter limits. */
const CHUNK = 500

export function chunks<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

export interface GroupRow {
  id: number
  group_id: string | null
  name: string
  sort_order: number
  source: TagSource
}

export interface TagRowLite {
  id: number
  group_ref: number
  tag_id: string | null
  name: string
  sort_order: number
  source: TagSource
}

const groupCols = ['id', 'group_id', 'name', 'sort_order', 'source'] as const
const tagCols = ['id', 'group_ref', 'tag_id', 'name', 'sort_order', 'source'] as const

/**
 * Serialises tag writers of one org across app instances until the transaction ends (the org row lock on MySQL;
 * SQLite runs one write transaction at a time anyway).
 */
export const lockOrgTags = (trx: Executor, orgId: number): Promise<void> => lockOrgRow(trx, orgId)

export async function findGroups(db: Executor, orgId: number, source?: TagSource): Promise<GroupRow[]> {
  let q = db.selectFrom('tag_groups').select(groupCols).where('org_id', '=', orgId)
  if (source) q = q.where('source', '=', source)
  return (await q.orderBy('sort_order', 'desc').orderBy('id', 'asc').execute()).map((r) => ({ ...r, sort_order: num(r.sort_order) }))
}

export async function findTags(db: Executor, orgId: number, source?: TagSource): Promise<TagRowLite[]> {
  let q = db.selectFrom('tags').select(tagCols).where('org_id', '=', orgId)
  if (source) q = q.where('source', '=', source)
  return (await q.orderBy('sort_order', 'desc').orderBy('id', 'asc').execute()).map((r) => ({ ...r, sort_order: num(r.sort_order) }))
}

export async function findGroupById(db: Executor, orgId: number, id: number): Promise<GroupRow | undefined> {
  const r = await db.selectFrom('tag_groups').select(groupCols).where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst()
  return r && { ...r, sort_order: num(r.sort_order) }
}

export async function findGroupsByIds(db: Executor, orgId: number, ids: readonly number[]): Promise<GroupRow[]> {
  const out: GroupRow[] = []
  for (const part of chunks([...new Set(ids)])) {
    const rows = await db.selectFrom('tag_groups').select(groupCols).where('org_id', '=', orgId).where('id', 'in', part).execute()
    out.push(...rows.map((r) => ({ ...r, sort_order: num(r.sort_order) })))
  }
  return out
}

export async function findTagsByIds(db: Executor, orgId: number, ids: readonly number[]): Promise<TagRowLite[]> {
  const out: TagRowLite[] = []
  for (const part of chunks([...new Set(ids)])) {
    const rows = await db.selectFrom('tags').select(tagCols).where('org_id', '=', orgId).where('id', 'in', part).execute()
    out.push(...rows.map((r) => ({ ...r, sort_order: num(r.sort_order) })))
  }
  return out
}

export async function findTagsOfGroup(db: Executor, orgId: number, groupRef: number): Promise<TagRowLite[]> {
  const rows = await db.selectFrom('tags').select(tagCols).where('org_id', '=', orgId).where('group_ref', '=', groupRef).execute()
  return rows.map((r) => ({ ...r, sort_order: num(r.sort_order) }))
}

export async function countWecomTags(db: Executor, orgId: number): Promise<number> {
  const r = await db
    .selectFrom('tags')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('org_id', '=', orgId)
    .where('source', '=', 'wecom')
    .executeTakeFirstOrThrow()
  return num(r.n)
}

/** Distinct customers per tag (all tags of the org, or the given ones): a WeCom tag put on one customer by two staff members counts once. */
export async function countCustomersByTag(db: Executor, orgId: number, tagIds?: readonly number[]): Promise<Map<number, number>> {
  const map = new Map<number, number>()
  const parts = tagIds ? chunks([...new Set(tagIds)]) : [null]
  for (const part of parts) {
    if (part && part.length === 0) continue
    let q = db
      .selectFrom('customer_tags')
      .select(['tag_ref', sql<number>`count(distinct customer_id)`.as('n')])
      .where('org_id', '=', orgId)
    if (part) q = q.where('tag_ref', 'in', part)
    for (const r of await q.groupBy('tag_ref').execute()) map.set(r.tag_ref, num(r.n))
  }
  return map
}

/** A mirrored WeCom group by (org, group_id): a repeated insert (a concurrent mirror) updates instead of failing. */
export async function upsertWecomGroup(
  db: Executor,
  orgId: number,
  row: { group_id: string; name: string; sort_order: number },
  now: number,
): Promise<void> {
  await upsert(
    db,
    'tag_groups',
    {
      org_id: orgId,
      group_id: row.group_id,
      name: row.name,
      sort_order: row.sort_order,
      source: 'wecom',
      created_at: now,
      updated_at: now,
    },
    ['org_id', 'group_id'],
    ['name', 'sort_order', 'updated_at'],
  )
}

/** A CRM group (no WeCom id); the caller has checked the name is free. */
export async function insertCrmGroup(db: Executor, orgId: number, row: { name: string; sort_order: number }, now: number): Promise<number> {
  return insertedId(
    await db
      .insertInto('tag_groups')
      .values({
        org_id: orgId,
        group_id: null,
        name: row.name,
        sort_order: row.sort_order,
        source: 'crm',
        created_at: now,
        updated_at: now,
      })
      .executeTakeFirstOrThrow(),
  )
}

export async function findGroupByName(db: Executor, orgId: number, source: TagSource, name: string): Promise<GroupRow | undefined> {
  const r = await db
    .selectFrom('tag_groups')
    .select(groupCols)
    .where('org_id', '=', orgId)
    .where('source', '=', source)
    .where('name', '=', name)
    .executeTakeFirst()
  return r && { ...r, sort_order: num(r.sort_order) }
}

export async function findWecomGroupIdMap(db: Executor, orgId: number, groupIds: readonly string[]): Promise<Map<string, number>> {
  const map = new Map<string, number>()
  for (const part of chunks([...new Set(groupIds)])) {
    const rows = await db
      .selectFrom('tag_groups')
      .select(['id', 'group_id'])
      .where('org_id', '=', orgId)
      .where('group_id', 'in', part)
      .execute()
    for (const r of rows) map.set(r.group_id as string, r.id)
  }
  return map
}

/** WeCom tags by (org, tag_id): a repeated insert (a concurrent mirror) updates instead of failing. */
export async function upsertWecomTags(
  db: Executor,
  orgId: number,
  rows: readonly { group_ref: number; tag_id: string; name: string; sort_order: number }[],
  now: number,
): Promise<void> {
  for (const part of chunks(rows)) {
    await upsert(
      db,
      'tags',
      part.map((r) => ({
        org_id: orgId,
        group_ref: r.group_ref,
        tag_id: r.tag_id,
        name: r.name,
        sort_order: r.sort_order,
        source: 'wecom' as const,
        created_at: now,
        updated_at: now,
      })),
      ['org_id', 'tag_id'],
      ['group_ref', 'name', 'sort_order', 'updated_at'],
    )
  }
}

/** CRM tags have no WeCom id; a name already in the group is kept as it is (WeCom merges duplicates the same way). */
export async function insertCrmTags(
  db: Executor,
  orgId: number,
  groupRef: number,
  rows: readonly { name: string; sort_order: number }[],
  now: number,
): Promise<void> {
  for (const part of chunks(rows)) {
    await db
      .insertInto('tags')
      .values(
        part.map((r) => ({
          org_id: orgId,
          group_ref: groupRef,
          tag_id: null,
          name: r.name,
          sort_order: r.sort_order,
          source: 'crm' as const,
          created_at: now,
          updated_at: now,
        })),
      )
      .ignore()
      .execute()
  }
}

export async function updateGroup(
  db: Executor,
  orgId: number,
  id: number,
  set: { name?: string; sort_order?: number; updated_at: number },
): Promise<void> {
  await db.updateTable('tag_groups').set(set).where('org_id', '=', orgId).where('id', '=', id).execute()
}

export async function updateTag(
  db: Executor,
  orgId: number,
  id: number,
  set: { name?: string; sort_order?: number; group_ref?: number; updated_at: number },
): Promise<void> {
  await db.updateTable('tags').set(set).where('org_id', '=', orgId).where('id', '=', id).execute()
}

/** Tags and every customer link to them. */
export async function deleteTags(db: Executor, orgId: number, ids: readonly number[]): Promise<void> {
  for (const part of chunks([...new Set(ids)])) {
    await db.deleteFrom('customer_tags').where('org_id', '=', orgId).where('tag_ref', 'in', part).execute()
    await db.deleteFrom('tags').where('org_id', '=', orgId).where('id', 'in', part).execute()
  }
}

/** Groups, their tags and every customer link to those tags. */
export async function deleteGroups(db: Executor, orgId: number, ids: readonly number[]): Promise<void> {
  for (const part of chunks([...new Set(ids)])) {
    const tagIds = (await db.selectFrom('tags').select('id').where('org_id', '=', orgId).where('group_ref', 'in', part).execute()).map(
      (r) => r.id,
    )
    await deleteTags(db, orgId, tagIds)
    await db.deleteFrom('tag_groups').where('org_id', '=', orgId).where('id', 'in', part).execute()
  }
}

/** Among the given groups, deletes those left without tags (a group cannot be empty, in WeCom or here). */
export async function deleteEmptyGroups(db: Executor, orgId: number, ids: readonly number[]): Promise<number[]> {
  const emptied: number[] = []
  for (const part of chunks([...new Set(ids)])) {
    const rows = await db
      .selectFrom('tag_groups as g')
      .select('g.id')
      .where('g.org_id', '=', orgId)
      .where('g.id', 'in', part)
      .where((eb) => eb.not(eb.exists(eb.selectFrom('tags as t').select('t.id').whereRef('t.group_ref', '=', 'g.id'))))
      .execute()
    emptied.push(...rows.map((r) => r.id))
  }
  if (emptied.length) await deleteGroups(db, orgId, emptied)
  return emptied
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

/** Which of these WeCom tag ids the org mirrors locally. */
export async function findKnownWecomTags(
  db: Executor,
  orgId: number,
  tagIds: readonly string[],
): Promise<{ id: number; tag_id: string }[]> {
  if (tagIds.length === 0) return []
  const rows = await db
    .selectFrom('tags')
    .select(['id', 'tag_id'])
    .where('org_id', '=', orgId)
    .where('tag_id', 'in', [...tagIds])
    .execute()
  return rows.map((r) => ({ id: r.id, tag_id: r.tag_id! }))
}
