// An admin changing corp tags in the WeCom console: the tags change and change_external_tag goes out.
import type { z } from 'zod'
import { externalTagEventXml } from '../callbacks'
import type { SandboxContext } from '../context'
import { requireCorp } from '../corps'
import { ControlError } from '../errors'
import type { CorpState, Tag, TagGroup } from '../state'
import { addTagToGroup, createGroup, deleteGroup, deleteTag } from '../wecom/tag'
import { parseInput, sendCallback } from './common'
import { tagChangeInput } from './schemas'

function liveTagOrGroup(corp: CorpState, id: string): { group?: TagGroup; tag?: Tag } {
  const group = corp.tagGroups.get(id)
  if (group && !group.deleted) return { group }
  const tag = corp.tags.get(id)
  if (tag && !tag.deleted) return { tag }
  throw new ControlError(404, `no live tag or tag group ${id}`)
}

export function tagControl(ctx: SandboxContext) {
  return {
    /** An admin changes corp tags in the WeCom console: the sandbox's tags change and change_external_tag goes out. */
    async tagChange(corpid: string, input: z.input<typeof tagChangeInput>) {
      const req = parseInput(tagChangeInput, input)
      const corp = requireCorp(ctx, corpid)
      const now = ctx.clock.now()
      const nowS = Math.floor(now / 1000)
      let id: string | undefined
      let tagType: 'tag' | 'tag_group' | undefined
      switch (req.change_type) {
        case 'create': {
          if (req.tag_type === 'tag_group') {
            if ([...corp.tagGroups.values()].some((g) => !g.deleted && g.group_name === req.group_name))
              throw new ControlError(409, `tag group ${req.group_name} exists`)
            const group = createGroup(ctx.state.ids, corp, req.group_name, req.order, nowS)
            req.tags.forEach((name, i) => addTagToGroup(ctx.state.ids, corp, group, name, req.tags.length - i, nowS))
            id = group.group_id
          } else {
            const { group } = liveTagOrGroup(corp, req.group_id)
            if (!group) throw new ControlError(400, `${req.group_id} is not a tag group`)
            if (group.tag_ids.some((t) => corp.tags.get(t)?.deleted === false && corp.tags.get(t)?.name === req.name))
              throw new ControlError(409, `tag ${req.name} exists in the group`)
            id = addTagToGroup(ctx.state.ids, corp, group, req.name, req.order, nowS).id
          }
          tagType = req.tag_type
          break
        }
        case 'update': {
          const { group, tag } = liveTagOrGroup(corp, req.id)
          if (group) {
            if (req.name !== undefined) group.group_name = req.name
            if (req.order !== undefined) group.order = req.order
          } else if (tag) {
            if (req.name !== undefined) tag.name = req.name
            if (req.order !== undefined) tag.order = req.order
          }
          id = req.id
          tagType = group ? 'tag_group' : 'tag'
          break
        }
        case 'delete': {
          const { group, tag } = liveTagOrGroup(corp, req.id)
          if (group) deleteGroup(corp, group)
          if (tag) deleteTag(corp, tag)
          id = req.id
          tagType = group ? 'tag_group' : 'tag'
          break
        }
        case 'shuffle': {
          const items = req.ids.map((x) => liveTagOrGroup(corp, x))
          if (req.group_id) {
            const { group } = liveTagOrGroup(corp, req.group_id)
            if (!group || items.some((it) => it.tag?.group_id !== group.group_id))
              throw new ControlError(400, 'ids must be tags of group_id')
          } else if (items.some((it) => !it.group)) {
            throw new ControlError(400, 'without group_id, ids must be tag groups')
          }
          // Larger order = earlier, so the first id gets the largest.
          items.forEach((it, i) => (((it.group ?? it.tag) as { order: number }).order = items.length - i))
          id = req.group_id
          break
        }
      }
      ctx.changed()
      const xml = externalTagEventXml(corp.corpid, now, req.change_type, id, tagType)
      return {
        change_type: req.change_type,
        id,
        tag_type: tagType,
        delivery: await sendCallback(ctx, corp, xml, `change_external_tag:${req.change_type}`, corp.contactApp()?.agentid, req.wait),
      }
    },
  }
}
