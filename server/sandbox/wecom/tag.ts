// Corp customer tags: list/add/edit/del with the group rules, and mark_tag on a member–customer relation.
import { WecomError, invalidParam } from '../errors'
import type { IdGen } from '../ids'
import type { CorpState, Tag, TagGroup } from '../state'
import { requireFollow } from './common'
import type { Endpoint } from './endpoint'
import { type Body, maxChars, optInt, optString, optStringArray, reqString } from './params'

const MAX_TAGS = 3000
const MAX_ORDER = 2 ** 32

function checkOrder(order: number | undefined): number | undefined {
  if (order !== undefined && (order < 0 || order >= MAX_ORDER)) throw invalidParam('field `order` out of range [0, 2^32)')
  return order
}

export function liveTagCount(corp: CorpState): number {
  let n = 0
  for (const t of corp.tags.values()) if (!t.deleted) n++
  return n
}

export function createGroup(ids: IdGen, corp: CorpState, name: string, order: number, nowS: number): TagGroup {
  const group: TagGroup = {
    seq: corp.nextSeq(),
    group_id: ids.next('et', 32),
    group_name: name,
    create_time: nowS,
    order,
    deleted: false,
    tag_ids: [],
  }
  corp.tagGroups.set(group.group_id, group)
  return group
}

/** Adds a tag to a group, or returns the live tag of the same name there (duplicates are merged). */
export function addTagToGroup(ids: IdGen, corp: CorpState, group: TagGroup, name: string, order: number, nowS: number): Tag {
  for (const id of group.tag_ids) {
    const t = corp.tags.get(id)
    if (t && !t.deleted && t.name === name) return t
  }
  const tag: Tag = { seq: corp.nextSeq(), id: ids.next('et', 32), name, create_time: nowS, order, deleted: false, group_id: group.group_id }
  corp.tags.set(tag.id, tag)
  group.tag_ids.push(tag.id)
  return tag
}

/** Soft delete, so get_corp_tag_list filtered by id can still report `deleted`; an emptied group goes too. */
export function deleteTag(corp: CorpState, tag: Tag): void {
  tag.deleted = true
  const group = corp.tagGroups.get(tag.group_id)
  if (group && group.tag_ids.every((id) => corp.tags.get(id)?.deleted !== false)) group.deleted = true
}

export function deleteGroup(corp: CorpState, group: TagGroup): void {
  group.deleted = true
  for (const id of group.tag_ids) {
    const t = corp.tags.get(id)
    if (t) t.deleted = true
  }
}

/** Larger order first (the platform's rule); creation order breaks ties. */
function byOrder(a: { order: number; seq: number }, b: { order: number; seq: number }): number {
  return b.order - a.order || a.seq - b.seq
}

function tagView(t: Tag, withDeleted: boolean): Record<string, unknown> {
  const v: Record<string, unknown> = { id: t.id, name: t.name, create_time: t.create_time, order: t.order }
  if (withDeleted) v.deleted = t.deleted
  return v
}

function groupView(g: TagGroup, tags: Tag[], withDeleted: boolean): Record<string, unknown> {
  const v: Record<string, unknown> = { group_id: g.group_id, group_name: g.group_name, create_time: g.create_time, order: g.order }
  if (withDeleted) v.deleted = g.deleted
  v.tag = tags.sort(byOrder).map((t) => tagView(t, withDeleted))
  return v
}

function liveTagOrThrow(corp: CorpState, id: string): Tag {
  const t = corp.tags.get(id)
  if (!t || t.deleted) throw new WecomError(40068, `tag_id \`${id}\``)
  return t
}

function readTagNames(body: Body): { name: string; order: number }[] {
  const raw = body.tag
  if (!Array.isArray(raw) || raw.length === 0) throw invalidParam('missing field `tag` (empty groups cannot be created)')
  return raw.map((item, i) => {
    const o = (item ?? {}) as Body
    const name = typeof o.name === 'string' ? o.name.trim() : ''
    if (!name) throw invalidParam(`missing field \`tag[${i}].name\``)
    maxChars(name, 30, `tag[${i}].name`)
    return { name, order: checkOrder(optInt(o, 'order')) ?? 0 }
  })
}

export const tagEndpoints: Endpoint[] = [
  {
    name: 'externalcontact/get_corp_tag_list',
    method: 'POST',
    scope: 'contact',
    handle({ corp, body }) {
      const tagIds = optStringArray(body, 'tag_id') ?? []
      const groupIds = optStringArray(body, 'group_id') ?? []
      const groups: Record<string, unknown>[] = []
      if (groupIds.length) {
        // Both given → tag_id is ignored.
        const found = groupIds.map((id) => corp.tagGroups.get(id)).filter((g): g is TagGroup => !!g)
        for (const g of found.sort(byOrder))
          groups.push(
            groupView(
              g,
              g.tag_ids.map((id) => corp.tags.get(id) as Tag),
              true,
            ),
          )
      } else if (tagIds.length) {
        const perGroup = new Map<string, Tag[]>()
        for (const id of new Set(tagIds)) {
          const t = corp.tags.get(id)
          if (!t) continue
          let list = perGroup.get(t.group_id)
          if (!list) perGroup.set(t.group_id, (list = []))
          list.push(t)
        }
        const found = [...perGroup.keys()].map((id) => corp.tagGroups.get(id)).filter((g): g is TagGroup => !!g)
        for (const g of found.sort(byOrder)) groups.push(groupView(g, perGroup.get(g.group_id) as Tag[], true))
      } else {
        const live = [...corp.tagGroups.values()].filter((g) => !g.deleted).sort(byOrder)
        for (const g of live)
          groups.push(
            groupView(
              g,
              g.tag_ids.map((id) => corp.tags.get(id) as Tag).filter((t) => !t.deleted),
              false,
            ),
          )
      }
      return { tag_group: groups }
    },
  },
  {
    name: 'externalcontact/add_corp_tag',
    method: 'POST',
    scope: 'contact',
    mutates: true,
    handle({ ctx, corp, body, now }) {
      const nowS = Math.floor(now / 1000)
      const groupId = optString(body, 'group_id')
      const groupName = optString(body, 'group_name')?.trim()
      maxChars(groupName, 30, 'group_name')
      const names = readTagNames(body)
      let group: TagGroup | undefined
      if (groupId) {
        // group_id wins: group_name and order are ignored.
        group = corp.tagGroups.get(groupId)
        if (!group || group.deleted) throw new WecomError(40068, `group_id \`${groupId}\``)
      } else if (groupName) {
        group = [...corp.tagGroups.values()].find((g) => !g.deleted && g.group_name === groupName)
      } else {
        throw invalidParam('group_id or group_name is required')
      }
      if (liveTagCount(corp) + names.length > MAX_TAGS) throw invalidParam('corp tag count exceeds 3000')
      group ??= createGroup(ctx.state.ids, corp, groupName as string, checkOrder(optInt(body, 'order')) ?? 0, nowS)
      const tags: Tag[] = []
      for (const { name, order } of names) {
        const t = addTagToGroup(ctx.state.ids, corp, group, name, order, nowS)
        if (!tags.includes(t)) tags.push(t)
      }
      return {
        tag_group: {
          group_id: group.group_id,
          group_name: group.group_name,
          create_time: group.create_time,
          order: group.order,
          tag: tags.map((t) => tagView(t, false)),
        },
      }
    },
  },
  {
    name: 'externalcontact/edit_corp_tag',
    method: 'POST',
    scope: 'contact',
    mutates: true,
    handle({ corp, body }) {
      const id = reqString(body, 'id')
      const name = optString(body, 'name')?.trim()
      const order = checkOrder(optInt(body, 'order'))
      maxChars(name, 30, 'name')
      if (name === '') throw invalidParam('field `name` cannot be empty')
      const group = corp.tagGroups.get(id)
      if (group) {
        if (group.deleted) throw new WecomError(40068, `id \`${id}\``)
        if (name && [...corp.tagGroups.values()].some((g) => g !== group && !g.deleted && g.group_name === name))
          throw new WecomError(40071)
        if (name) group.group_name = name
        if (order !== undefined) group.order = order
        return {}
      }
      const tag = liveTagOrThrow(corp, id)
      if (name) {
        const siblings = corp.tagGroups.get(tag.group_id)?.tag_ids ?? []
        if (siblings.some((sid) => sid !== id && corp.tags.get(sid)?.deleted === false && corp.tags.get(sid)?.name === name))
          throw new WecomError(40071)
        tag.name = name
      }
      if (order !== undefined) tag.order = order
      return {}
    },
  },
  {
    name: 'externalcontact/del_corp_tag',
    method: 'POST',
    scope: 'contact',
    mutates: true,
    handle({ corp, body }) {
      const tagIds = optStringArray(body, 'tag_id') ?? []
      const groupIds = optStringArray(body, 'group_id') ?? []
      if (tagIds.length === 0 && groupIds.length === 0) throw invalidParam('tag_id and group_id cannot both be empty')
      // Validate everything first so a bad id changes nothing.
      const tags = tagIds.map((id) => liveTagOrThrow(corp, id))
      const groups = groupIds.map((id) => {
        const g = corp.tagGroups.get(id)
        if (!g || g.deleted) throw new WecomError(40068, `group_id \`${id}\``)
        return g
      })
      for (const g of groups) deleteGroup(corp, g)
      for (const t of tags) deleteTag(corp, t)
      return {}
    },
  },
  {
    name: 'externalcontact/mark_tag',
    method: 'POST',
    scope: 'contact',
    mutates: true,
    handle({ ctx, corp, body, now }) {
      const userid = reqString(body, 'userid', 41009)
      const externalUserid = reqString(body, 'external_userid')
      const add = optStringArray(body, 'add_tag') ?? []
      const remove = optStringArray(body, 'remove_tag') ?? []
      if (add.length === 0 && remove.length === 0) throw invalidParam('add_tag and remove_tag cannot both be empty')
      const f = requireFollow(corp, userid, externalUserid)
      for (const id of add) liveTagOrThrow(corp, id)
      for (const id of remove) liveTagOrThrow(corp, id)
      const set = new Set(corp.liveTagIds(f))
      for (const id of add) set.add(id)
      for (const id of remove) set.delete(id)
      f.tags = [...set]
      ctx.state.logs.markTag.push({
        at: now,
        corpid: corp.corpid,
        userid,
        external_userid: externalUserid,
        add_tag: add,
        remove_tag: remove,
      })
      return {}
    },
  },
]
