// Tags: mirrors WeCom corp tags (sync; create/rename/delete go to WeCom first) and manages CRM-only tags locally.
import { forgetCachedTags } from './tags-cache'
import { randomBytes } from 'node:crypto'
import { ConflictError, InvalidInputError, NotFoundError, RateLimitedError } from '../../lib/errors'
import type { Deps } from '../../deps'
import type { Executor } from '../../db/database'
import { withHeldLease } from '../../db/held-lease'
import type { CorpTag, CorpTagGroup } from '../../platform/wecom/tag.types'
import { CORP_TAG_CAP, type TagCreateGroupInput } from '../../../shared/schemas/tag'
import {
  countCustomersByTag,
  countWecomTags,
  deleteEmptyGroups,
  deleteGroups,
  deleteTags,
  findGroupById,
  findGroupByName,
  findGroups,
  findGroupsByIds,
  findTags,
  findTagsByIds,
  findTagsOfGroup,
  findWecomGroupIdMap,
  insertCrmGroup,
  insertCrmTags,
  lockOrgTags,
  updateGroup,
  updateTag,
  upsertWecomGroup,
  upsertWecomTags,
  type GroupRow,
  type TagRowLite,
} from './tags.repository'
import type { TagSource } from './tags.table'

export interface TagView {
  id: number
  /** WeCom tag id; null for CRM tags. */
  tagId: string | null
  name: string
  order: number
  source: TagSource
  customerCount: number
}

export interface TagGroupView {
  id: number
  /** WeCom group id; null for CRM groups. */
  groupId: string | null
  name: string
  order: number
  source: TagSource
  tags: TagView[]
}

// ---------------------------------------------------------------- serialisation

/** Renewed every ttl/3 while held, so the TTL only bounds how long a crashed holder blocks the org's tag writes. */
const TAG_LEASE_TTL_MS = 30_000
const TAG_LEASE_POLL_MS = 50
const TAG_LEASE_MAX_WAIT_MS = 60_000

/**
 * One tag writer per org at a time across every instance (the lease tags:<orgId> in job_locks), held from the
 * WeCom fetch to the last write: a sync that fetched before another writer's change never applies its older list
 * after it. The mirror's transactions still take the org row lock, so appliers that bypass the lease (mirrorCorpTags
 * called directly) cannot interleave their writes either.
 */
function serialised<T>(deps: Deps, orgId: number, fn: () => Promise<T>): Promise<T> {
  return withHeldLease(
    deps.db,
    `tags:${orgId}`,
    {
      owner: `${deps.queue.instanceId.slice(0, 55)}:${randomBytes(4).toString('hex')}`,
      ttlMs: TAG_LEASE_TTL_MS,
      pollMs: TAG_LEASE_POLL_MS,
      maxWaitMs: TAG_LEASE_MAX_WAIT_MS,
      now: () => deps.clock.now(),
      log: deps.log,
      busy: () => new RateLimitedError('标签正在被其他操作修改，请稍后重试', 5),
    },
    // Every change to the mirror runs here: the cached lookups of the org's tags go with it, whatever the outcome.
    () => fn().finally(() => forgetCachedTags(deps.db, orgId)),
  )
}

/** Case-folded, as MySQL's _ci collation compares the unique (name) keys. */
const nameKey = (s: string) => s.trim().toLowerCase()

/** A temporary, unique name that moves a row out of the way while names are being swapped or reused. */
const parked = (id: number) => `\u0001${id}`

class StaleMirror extends Error {}

// ---------------------------------------------------------------- sync

/**
 * Mirrors WeCom's corp tags into tag_groups/tags (source 'wecom'): new ones inserted, names and orders
 * updated, tags and groups gone at WeCom deleted with their customer links. Safe to run concurrently.
 * Platform failures surface as PlatformError (the callback worker retries them).
 */
export function syncCorpTags(deps: Deps, orgId: number): Promise<{ groups: number; tags: number }> {
  return serialised(deps, orgId, () => fetchAndMirror(deps, orgId))
}

async function fetchAndMirror(deps: Deps, orgId: number): Promise<{ groups: number; tags: number }> {
  const client = await deps.wecom.for(orgId)
  const { tag_group } = await client.tag.list({})
  return mirrorCorpTags(deps, orgId, tag_group)
}

/** Applies a complete get_corp_tag_list answer; exported so tests can race two appliers on one snapshot. */
export async function mirrorCorpTags(deps: Deps, orgId: number, remote: CorpTagGroup[]): Promise<{ groups: number; tags: number }> {
  const now = deps.clock.now()
  const remoteGroups = new Map(remote.map((g) => [g.group_id, g]))
  const remoteTags = new Map<string, { tag: CorpTag; groupId: string }>()
  for (const g of remote) for (const tag of g.tag) remoteTags.set(tag.id, { tag, groupId: g.group_id })

  await deps.db.transaction().execute(async (trx) => {
    await lockOrgTags(trx, orgId)
    const localGroups = await findGroups(trx, orgId, 'wecom')
    const localTags = await findTags(trx, orgId, 'wecom')

    const goneGroups = localGroups.filter((g) => !g.group_id || !remoteGroups.has(g.group_id))
    const goneGroupRefs = new Set(goneGroups.map((g) => g.id))
    const goneTags = localTags.filter((t) => !t.tag_id || !remoteTags.has(t.tag_id))
    await deleteTags(
      trx,
      orgId,
      goneTags.map((t) => t.id),
    )
    await deleteGroups(trx, orgId, [...goneGroupRefs])

    // Groups: every renamed row is parked first, so a rename onto a name another row is about to give up never collides.
    const keptGroups = new Map(localGroups.filter((g) => !goneGroupRefs.has(g.id)).map((g) => [g.group_id as string, g]))
    for (const g of keptGroups.values()) {
      if (g.name !== remoteGroups.get(g.group_id as string)!.group_name)
        await updateGroup(trx, orgId, g.id, { name: parked(g.id), updated_at: now })
    }
    for (const r of remote) {
      const l = keptGroups.get(r.group_id)
      if (l && (l.name !== r.group_name || l.sort_order !== r.order))
        await updateGroup(trx, orgId, l.id, { name: r.group_name, sort_order: r.order, updated_at: now })
      if (!l) await upsertWecomGroup(trx, orgId, { group_id: r.group_id, name: r.group_name, sort_order: r.order }, now)
    }
    const groupRef = await findWecomGroupIdMap(
      trx,
      orgId,
      remote.map((g) => g.group_id),
    )

    // Tags: the same parking for renames and moves between groups.
    const goneTagIds = new Set(goneTags.map((t) => t.id))
    const keptTags = new Map(
      localTags.filter((t) => !goneTagIds.has(t.id) && !goneGroupRefs.has(t.group_ref)).map((t) => [t.tag_id as string, t]),
    )
    const desired = (tagId: string) => {
      const { tag, groupId } = remoteTags.get(tagId)!
      return { group_ref: groupRef.get(groupId)!, name: tag.name, sort_order: tag.order }
    }
    for (const t of keptTags.values()) {
      const d = desired(t.tag_id as string)
      if (t.name !== d.name || t.group_ref !== d.group_ref) await updateTag(trx, orgId, t.id, { name: parked(t.id), updated_at: now })
    }
    const fresh: { group_ref: number; tag_id: string; name: string; sort_order: number }[] = []
    for (const tagId of remoteTags.keys()) {
      const l = keptTags.get(tagId)
      const d = desired(tagId)
      if (!l) fresh.push({ tag_id: tagId, ...d })
      else if (l.name !== d.name || l.group_ref !== d.group_ref || l.sort_order !== d.sort_order)
        await updateTag(trx, orgId, l.id, { ...d, updated_at: now })
    }
    await upsertWecomTags(trx, orgId, fresh, now)
  })
  // Also here: tests and other appliers call this without the lease.
  forgetCachedTags(deps.db, orgId)
  return { groups: remote.length, tags: remoteTags.size }
}

/**
 * Mirrors one add_corp_tag answer (the group and the tags just added). A same-named local row with
 * another WeCom id means the mirror is stale; the caller then resyncs everything instead.
 */
async function mirrorAddedTags(deps: Deps, orgId: number, g: CorpTagGroup): Promise<number> {
  const now = deps.clock.now()
  return deps.db.transaction().execute(async (trx) => {
    await lockOrgTags(trx, orgId)
    const sameName = (await findGroups(trx, orgId, 'wecom')).find((l) => nameKey(l.name) === nameKey(g.group_name))
    if (sameName && sameName.group_id !== g.group_id) throw new StaleMirror()
    await upsertWecomGroup(trx, orgId, { group_id: g.group_id, name: g.group_name, sort_order: g.order }, now)
    const ref = (await findWecomGroupIdMap(trx, orgId, [g.group_id])).get(g.group_id)!
    const siblings = await findTagsOfGroup(trx, orgId, ref)
    for (const t of g.tag) if (siblings.some((s) => nameKey(s.name) === nameKey(t.name) && s.tag_id !== t.id)) throw new StaleMirror()
    await upsertWecomTags(
      trx,
      orgId,
      g.tag.map((t) => ({ group_ref: ref, tag_id: t.id, name: t.name, sort_order: t.order })),
      now,
    )
    return ref
  })
}

async function mirrorAddedOrResync(deps: Deps, orgId: number, g: CorpTagGroup): Promise<number> {
  try {
    return await mirrorAddedTags(deps, orgId, g)
  } catch (err) {
    if (!(err instanceof StaleMirror)) throw err
    await fetchAndMirror(deps, orgId)
    const ref = (await findWecomGroupIdMap(deps.db, orgId, [g.group_id])).get(g.group_id)
    if (ref === undefined) throw new ConflictError('企业微信标签已变化，请刷新后重试')
    return ref
  }
}

// ---------------------------------------------------------------- reads

function tagView(t: TagRowLite, counts: Map<number, number>): TagView {
  return { id: t.id, tagId: t.tag_id, name: t.name, order: t.sort_order, source: t.source, customerCount: counts.get(t.id) ?? 0 }
}

function groupView(g: GroupRow, tags: TagRowLite[], counts: Map<number, number>): TagGroupView {
  return { id: g.id, groupId: g.group_id, name: g.name, order: g.sort_order, source: g.source, tags: tags.map((t) => tagView(t, counts)) }
}

/** Every group with its tags, WeCom groups first; both ordered as WeCom orders them (larger order first). */
export async function listTagGroups(deps: Deps, orgId: number): Promise<TagGroupView[]> {
  const [groups, tags, counts] = await Promise.all([
    findGroups(deps.db, orgId),
    findTags(deps.db, orgId),
    countCustomersByTag(deps.db, orgId),
  ])
  const byGroup = new Map<number, TagRowLite[]>()
  for (const t of tags) {
    let list = byGroup.get(t.group_ref)
    if (!list) byGroup.set(t.group_ref, (list = []))
    list.push(t)
  }
  const rank = (s: TagSource) => (s === 'wecom' ? 0 : 1)
  return groups
    .sort((a, b) => rank(a.source) - rank(b.source) || b.sort_order - a.sort_order || a.id - b.id)
    .map((g) => groupView(g, byGroup.get(g.id) ?? [], counts))
}

async function groupViewById(db: Executor, orgId: number, id: number): Promise<TagGroupView> {
  const g = await findGroupById(db, orgId, id)
  if (!g) throw new NotFoundError(`标签组 ${id} 不存在`)
  const tags = (await findTagsOfGroup(db, orgId, id)).sort((a, b) => b.sort_order - a.sort_order || a.id - b.id)
  return groupView(
    g,
    tags,
    await countCustomersByTag(
      db,
      orgId,
      tags.map((t) => t.id),
    ),
  )
}

// ---------------------------------------------------------------- writes

/** Distinct names (trimmed by the schema), first occurrence kept, as WeCom merges duplicates. */
function distinctByName<T extends { name: string }>(items: T[]): T[] {
  const seen = new Set<string>()
  return items.filter((i) => !seen.has(nameKey(i.name)) && seen.add(nameKey(i.name)))
}

async function checkTagCap(db: Executor, orgId: number, adding: number): Promise<void> {
  const existing = await countWecomTags(db, orgId)
  if (existing + adding > CORP_TAG_CAP) {
    throw new InvalidInputError(`企业标签最多 ${CORP_TAG_CAP} 个，当前已有 ${existing} 个，无法再添加 ${adding} 个`)
  }
}

function isDuplicateKey(err: unknown): boolean {
  const e = err as { code?: string; errno?: number; message?: string }
  return e?.code === 'ER_DUP_ENTRY' || e?.errno === 1062 || /UNIQUE constraint failed/.test(e?.message ?? '')
}

export function createTagGroup(deps: Deps, orgId: number, input: TagCreateGroupInput): Promise<TagGroupView> {
  return serialised(deps, orgId, async () => {
    const tags = distinctByName(input.tags)
    const existing = await findGroupByName(deps.db, orgId, input.source, input.name)
    if (existing) throw new ConflictError(`标签组「${input.name}」已存在，请在该组中添加标签`)
    const now = deps.clock.now()

    if (input.source === 'crm') {
      const id = await deps.db
        .transaction()
        .execute(async (trx) => {
          const groupId = await insertCrmGroup(trx, orgId, { name: input.name, sort_order: input.order ?? 0 }, now)
          await insertCrmTags(
            trx,
            orgId,
            groupId,
            tags.map((t) => ({ name: t.name, sort_order: t.order ?? 0 })),
            now,
          )
          return groupId
        })
        .catch((err) => {
          if (isDuplicateKey(err)) throw new ConflictError(`标签组「${input.name}」已存在`, { cause: err })
          throw err
        })
      return groupViewById(deps.db, orgId, id)
    }

    await checkTagCap(deps.db, orgId, tags.length)
    const client = await deps.wecom.for(orgId)
    // WeCom first: it cannot create an empty group, so the group is created together with its tags.
    const res = await client.tag.add({
      group_name: input.name,
      order: input.order,
      tag: tags.map((t) => ({ name: t.name, order: t.order })),
    })
    return groupViewById(deps.db, orgId, await mirrorAddedOrResync(deps, orgId, res.tag_group))
  })
}

export function addTagsToGroup(deps: Deps, orgId: number, input: { groupId: number; names: string[] }): Promise<TagGroupView> {
  return serialised(deps, orgId, async () => {
    const group = await findGroupById(deps.db, orgId, input.groupId)
    if (!group) throw new NotFoundError(`标签组 ${input.groupId} 不存在`)
    const names = distinctByName(input.names.map((name) => ({ name })))
    const now = deps.clock.now()

    if (group.source === 'crm') {
      await insertCrmTags(
        deps.db,
        orgId,
        group.id,
        names.map((n) => ({ name: n.name, sort_order: 0 })),
        now,
      )
      return groupViewById(deps.db, orgId, group.id)
    }

    const present = new Set((await findTagsOfGroup(deps.db, orgId, group.id)).map((t) => nameKey(t.name)))
    await checkTagCap(deps.db, orgId, names.filter((n) => !present.has(nameKey(n.name))).length)
    const client = await deps.wecom.for(orgId)
    const res = await client.tag.add({ group_id: group.group_id as string, tag: names.map((n) => ({ name: n.name })) })
    return groupViewById(deps.db, orgId, await mirrorAddedOrResync(deps, orgId, res.tag_group))
  })
}

export function renameTagOrGroup(
  deps: Deps,
  orgId: number,
  input: { id: number; kind: 'tag' | 'group'; name: string },
): Promise<{ id: number; name: string }> {
  return serialised(deps, orgId, async () => {
    const row =
      input.kind === 'group' ? await findGroupById(deps.db, orgId, input.id) : (await findTagsByIds(deps.db, orgId, [input.id]))[0]
    if (!row) throw new NotFoundError(`${input.kind === 'group' ? '标签组' : '标签'} ${input.id} 不存在`)
    if (row.name === input.name) return { id: row.id, name: row.name }
    const siblings =
      input.kind === 'group'
        ? await findGroups(deps.db, orgId, row.source)
        : await findTagsOfGroup(deps.db, orgId, (row as TagRowLite).group_ref)
    const clash = siblings.some((s) => s.id !== row.id && nameKey(s.name) === nameKey(input.name))

    if (row.source === 'crm') {
      if (clash) throw new ConflictError(`名称「${input.name}」已被使用`)
    } else {
      const remoteId = input.kind === 'group' ? (row as GroupRow).group_id : (row as TagRowLite).tag_id
      const client = await deps.wecom.for(orgId)
      await client.tag.edit({ id: remoteId as string, name: input.name })
      // WeCom accepted the name, so a local row holding it is stale: take WeCom's whole list instead.
      if (clash) {
        await fetchAndMirror(deps, orgId)
        return { id: row.id, name: input.name }
      }
    }
    const now = deps.clock.now()
    if (input.kind === 'group') await updateGroup(deps.db, orgId, row.id, { name: input.name, updated_at: now })
    else await updateTag(deps.db, orgId, row.id, { name: input.name, updated_at: now })
    return { id: row.id, name: input.name }
  })
}

/** Deletes tags and groups (WeCom ones at WeCom first) with their customer links; a group left without tags goes too. */
export function removeTags(
  deps: Deps,
  orgId: number,
  input: { tagIds: number[]; groupIds: number[] },
): Promise<{ tags: number; groups: number }> {
  return serialised(deps, orgId, async () => {
    const [tags, groups] = await Promise.all([findTagsByIds(deps.db, orgId, input.tagIds), findGroupsByIds(deps.db, orgId, input.groupIds)])
    const missingTags = [...new Set(input.tagIds)].filter((id) => !tags.some((t) => t.id === id))
    const missingGroups = [...new Set(input.groupIds)].filter((id) => !groups.some((g) => g.id === id))
    if (missingTags.length || missingGroups.length) {
      throw new NotFoundError(`标签 ${[...missingTags, ...missingGroups.map((g) => `组${g}`)].join('、')} 不存在`)
    }
    const groupRefs = new Set(groups.map((g) => g.id))
    // A tag inside a group that is deleted anyway is not named separately.
    const loneTags = tags.filter((t) => !groupRefs.has(t.group_ref))
    const wecomTagIds = loneTags.filter((t) => t.source === 'wecom').map((t) => t.tag_id as string)
    const wecomGroupIds = groups.filter((g) => g.source === 'wecom').map((g) => g.group_id as string)
    if (wecomTagIds.length || wecomGroupIds.length) {
      const client = await deps.wecom.for(orgId)
      await client.tag.del({
        ...(wecomTagIds.length ? { tag_id: wecomTagIds } : {}),
        ...(wecomGroupIds.length ? { group_id: wecomGroupIds } : {}),
      })
    }
    return deps.db.transaction().execute(async (trx) => {
      await lockOrgTags(trx, orgId)
      await deleteTags(
        trx,
        orgId,
        loneTags.map((t) => t.id),
      )
      await deleteGroups(trx, orgId, [...groupRefs])
      const emptied = await deleteEmptyGroups(trx, orgId, [...new Set(loneTags.map((t) => t.group_ref))])
      return { tags: loneTags.length, groups: groupRefs.size + emptied.length }
    })
  })
}
