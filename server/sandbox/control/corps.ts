// Control of corps themselves: reset the world, create and inspect corps, add members, point callbacks, bulk seed.
import type { z } from 'zod'
import type { SandboxContext } from '../context'
import { addDepartments, addMembers, createCorp, requireCorp, setCallback } from '../corps'
import { ControlError } from '../errors'
import { seedBulk, seedDemo } from '../seed'
import type { CorpState, Tag } from '../state'
import { contactWayView } from '../wecom/contact-way'
import { parseInput } from './common'
import { addMembersInput, callbackInput, createCorpInput, resetInput, seedBulkInput } from './schemas'

function corpInfo(corp: CorpState) {
  let relations = 0
  for (const list of corp.followsByUser.values()) relations += list.length
  return {
    corpid: corp.corpid,
    name: corp.name,
    apps: corp.apps.map((a) => ({ agentid: a.agentid, name: a.name, kind: a.kind, secret: a.secret })),
    callback: corp.callback,
    counts: {
      members: corp.members.size,
      customers: corp.customers.size,
      relations,
      tags: [...corp.tags.values()].filter((t) => !t.deleted).length,
      contact_ways: corp.contactWays.size,
      group_msgs: corp.groupMsgs.size,
    },
  }
}

export function corpControl(ctx: SandboxContext, defaults: { seed: 'demo' | 'none' }) {
  const actions = {
    /** Back to a fresh world: state, ids, counters, limits and faults; then the seed (default: the sandbox's). */
    reset(input?: z.input<typeof resetInput>) {
      const { seed } = parseInput(resetInput, input)
      ctx.state.reset()
      ctx.counters.reset()
      ctx.limiter.reset()
      ctx.faults.clear()
      if ((seed ?? defaults.seed) === 'demo') seedDemo(ctx)
      ctx.changed()
      return { corps: actions.listCorps() }
    },

    listCorps() {
      return [...ctx.state.corps.values()].map(corpInfo)
    },

    getCorp(corpid: string) {
      const corp = requireCorp(ctx, corpid)
      return {
        ...corpInfo(corp),
        departments: [...corp.departments.values()],
        members: [...corp.members.values()].map((m) => ({
          userid: m.userid,
          name: m.name,
          department: m.department,
          position: m.position,
          mobile: m.mobile,
          customer_contact: m.customerContact,
        })),
        tag_groups: [...corp.tagGroups.values()]
          .filter((g) => !g.deleted)
          .map((g) => ({
            group_id: g.group_id,
            group_name: g.group_name,
            order: g.order,
            tags: g.tag_ids
              .map((id) => corp.tags.get(id) as Tag)
              .filter((t) => !t.deleted)
              .map((t) => ({ id: t.id, name: t.name, order: t.order })),
          })),
        contact_ways: [...corp.contactWays.values()].map((w) => contactWayView(ctx, w)),
        group_msg_quota: corp.groupMsgQuota,
      }
    },

    createCorp(input: z.input<typeof createCorpInput>) {
      return corpInfo(createCorp(ctx, parseInput(createCorpInput, input)))
    },

    addMembers(corpid: string, input: z.input<typeof addMembersInput>) {
      const corp = requireCorp(ctx, corpid)
      const { members, departments } = parseInput(addMembersInput, input)
      addDepartments(corp, departments ?? [])
      addMembers(corp, members)
      ctx.changed()
      return { members: members.length }
    },

    /** null turns callbacks off. */
    setCallback(corpid: string, input: z.input<typeof callbackInput> | null) {
      const corp = requireCorp(ctx, corpid)
      setCallback(ctx, corp, input === null ? null : parseInput(callbackInput, input))
      return { callback: corp.callback }
    },

    async verifyUrl(corpid: string) {
      const corp = requireCorp(ctx, corpid)
      const result = await ctx.callbacks.verifyUrl(corp)
      if (!result) throw new ControlError(409, `corp ${corpid} has no callback configured`)
      return result
    },

    seedBulk(corpid: string, input: z.input<typeof seedBulkInput>) {
      return seedBulk(ctx, requireCorp(ctx, corpid), parseInput(seedBulkInput, input))
    },
  }
  return actions
}
