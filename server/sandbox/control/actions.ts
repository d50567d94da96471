// The outside world on demand: customers scan and delete, staff confirm and edit, WeCom changes tags, faults, logs.
import { z } from 'zod'
import { type Delivery, externalChatEventXml, externalContactEventXml, externalTagEventXml, textMessageXml } from '../callbacks'
import type { SandboxContext } from '../context'
import { addDepartments, addMembers, createCorp, newCustomer, newFollow, requireCorp, setCallback } from '../corps'
import { ControlError } from '../errors'
import { seedBulk, seedDemo } from '../seed'
import type { CorpState, GroupMsg, Tag, TagGroup } from '../state'
import { issueOAuthCode, OAUTH_CODE_TTL_MS } from '../wecom/auth'
import { expandParties } from '../wecom/common'
import { contactWayView, tempWayExpired } from '../wecom/contact-way'
import { confirmGroupMsgTask } from '../wecom/group-msg'
import { addTagToGroup, createGroup, deleteGroup, deleteTag } from '../wecom/tag'
import { issueWelcomeCode } from '../wecom/welcome'
import {
  addMembersInput,
  callbackInput,
  chatEventInput,
  confirmGroupMsgInput,
  createCorpInput,
  editContactInput,
  faultsInput,
  inboundMessageInput,
  invalidateInput,
  logsInput,
  oauthCodeInput,
  quotaInput,
  relationInput,
  resetInput,
  scanInput,
  seedBulkInput,
  staffDeletesInput,
  tagChangeInput,
} from './schemas'

/** Parses control input; a bad request is a 400 with every problem spelled out. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const r = schema.safeParse(input ?? {})
  if (!r.success) throw new ControlError(400, z.prettifyError(r.error))
  return r.data
}

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

function groupMsgSummary(msg: GroupMsg) {
  return {
    msgid: msg.msgid,
    create_time: msg.create_time,
    text: msg.text,
    attachments: msg.attachments.length,
    canceled: msg.canceled,
    reminders: msg.reminders.length,
    tasks: msg.tasks.map((t) => {
      const results = { not_sent: 0, sent: 0, not_friend: 0, over_quota: 0 }
      for (const r of t.results) results[(['not_sent', 'sent', 'not_friend', 'over_quota'] as const)[r.status]]++
      return { userid: t.userid, status: t.status, send_time: t.send_time, customers: t.results.length, results }
    }),
  }
}

export type Control = ReturnType<typeof createControl>

export function createControl(ctx: SandboxContext, defaults: { seed: 'demo' | 'none' }) {
  /** Sends a callback; with wait the answer carries the finished delivery (all tries), else the pending one. */
  async function send(corp: CorpState, xml: string, kind: string, agentid: number | undefined, wait: boolean): Promise<Delivery | null> {
    const d = ctx.callbacks.deliver(corp, xml, kind, agentid)
    if (!d) return null
    if (wait) return d.done
    d.done.catch((err) => ctx.onError(err, 'callback delivery'))
    return d.delivery
  }

  function relation(corp: CorpState, userid: string, externalUserid: string) {
    const f = corp.findFollow(userid, externalUserid)
    if (!f) throw new ControlError(404, `no relation between ${userid} and ${externalUserid}`)
    return f
  }

  function liveTagOrGroup(corp: CorpState, id: string): { group?: TagGroup; tag?: Tag } {
    const group = corp.tagGroups.get(id)
    if (group && !group.deleted) return { group }
    const tag = corp.tags.get(id)
    if (tag && !tag.deleted) return { tag }
    throw new ControlError(404, `no live tag or tag group ${id}`)
  }

  const control = {
    /** Back to a fresh world: state, ids, counters, limits and faults; then the seed (default: the sandbox's). */
    reset(input?: z.input<typeof resetInput>) {
      const { seed } = parseInput(resetInput, input)
      ctx.state.reset()
      ctx.counters.reset()
      ctx.limiter.reset()
      ctx.faults.clear()
      if ((seed ?? defaults.seed) === 'demo') seedDemo(ctx)
      ctx.changed()
      return { corps: control.listCorps() }
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
            tags: g.tag_ids.map((id) => corp.tags.get(id) as Tag).filter((t) => !t.deleted).map((t) => ({ id: t.id, name: t.name, order: t.order })),
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

    /** A customer scans a contact way's QR code: relation (state, add_way 1), welcome code, add event. */
    async scan(corpid: string, input: z.input<typeof scanInput>) {
      const req = parseInput(scanInput, input)
      const corp = requireCorp(ctx, corpid)
      const now = ctx.clock.now()
      const way = corp.contactWays.get(req.config_id)
      if (!way) throw new ControlError(404, `no contact way ${req.config_id}`)
      if (way.is_temp && way.used_at) throw new ControlError(409, 'this temp-chat QR code has already been used')
      if (tempWayExpired(way, now)) throw new ControlError(409, 'this temp-chat QR code has expired')
      const reachable = [...new Set([...way.user, ...expandParties(corp, way.party)])].filter((u) => corp.members.get(u)?.customerContact)
      if (reachable.length === 0) throw new ControlError(409, 'the contact way reaches no member with customer contact')
      if (req.userid && !reachable.includes(req.userid)) throw new ControlError(400, `${req.userid} is not a member of this contact way`)
      const userid = req.userid ?? reachable[way.next_pick++ % reachable.length]

      let customer
      if (req.external_userid) {
        customer = corp.customers.get(req.external_userid)
        if (!customer) throw new ControlError(404, `no customer ${req.external_userid}`)
      } else {
        customer = newCustomer(ctx, corp, req.customer ?? {})
      }
      const ext = customer.external_userid
      if (way.is_temp && way.unionid && customer.unionid !== way.unionid) throw new ControlError(409, 'this temp-chat QR code is reserved for another WeChat user')
      const nowS = Math.floor(now / 1000)
      let f = corp.findFollow(userid, ext)
      if (f?.status === 'active') throw new ControlError(409, `${ext} is already a customer of ${userid}`)
      if (f) {
        // The customer had removed the member; adding again restores the relation with fresh add data.
        Object.assign(f, { status: 'active', createtime: nowS, state: way.state, add_way: 1, oper_userid: ext, config_id: way.config_id })
      } else {
        f = newFollow(corp, { userid, external_userid: ext, remark: '', description: '', createtime: nowS, tags: [], oper_userid: ext, add_way: 1, state: way.state, config_id: way.config_id })
      }
      if (way.is_temp) {
        way.used_at = now
        f.temp_chat_until = now + (way.chat_expires_in ?? 86400) * 1000
      }
      const code = issueWelcomeCode(ctx, corp, userid, ext, now)
      ctx.changed()
      const xml = externalContactEventXml(corp.corpid, now, req.event, { UserID: userid, ExternalUserID: ext, State: way.state || undefined, WelcomeCode: code.code })
      const delivery = await send(corp, xml, `change_external_contact:${req.event}`, corp.contactApp()?.agentid, req.wait)
      return { external_userid: ext, userid, state: way.state, welcome_code: code.code, delivery }
    },

    /** The customer removes the member: the relation becomes one-way (mass messages then fail with status 2). */
    async customerDeletesStaff(corpid: string, input: z.input<typeof relationInput>) {
      const req = parseInput(relationInput, input)
      const corp = requireCorp(ctx, corpid)
      const f = relation(corp, req.userid, req.external_userid)
      if (f.status !== 'active') throw new ControlError(409, 'the customer has already removed this member')
      f.status = 'customer_deleted'
      ctx.changed()
      const xml = externalContactEventXml(corp.corpid, ctx.clock.now(), 'del_follow_user', { UserID: req.userid, ExternalUserID: req.external_userid })
      return { delivery: await send(corp, xml, 'change_external_contact:del_follow_user', corp.contactApp()?.agentid, req.wait) }
    },

    /** The member removes the customer: the relation disappears from every API. */
    async staffDeletesCustomer(corpid: string, input: z.input<typeof staffDeletesInput>) {
      const req = parseInput(staffDeletesInput, input)
      const corp = requireCorp(ctx, corpid)
      corp.removeFollow(relation(corp, req.userid, req.external_userid))
      ctx.changed()
      const xml = externalContactEventXml(corp.corpid, ctx.clock.now(), 'del_external_contact', {
        UserID: req.userid,
        ExternalUserID: req.external_userid,
        Source: req.source,
      })
      return { delivery: await send(corp, xml, 'change_external_contact:del_external_contact', corp.contactApp()?.agentid, req.wait) }
    },

    /** The member edits remark/description/tags in the client. */
    async editContact(corpid: string, input: z.input<typeof editContactInput>) {
      const req = parseInput(editContactInput, input)
      const corp = requireCorp(ctx, corpid)
      const f = relation(corp, req.userid, req.external_userid)
      for (const id of [...req.add_tag, ...req.remove_tag]) if (corp.tags.get(id)?.deleted !== false) throw new ControlError(400, `no live tag ${id}`)
      if (req.remark !== undefined) f.remark = req.remark
      if (req.description !== undefined) f.description = req.description
      const tags = new Set(corp.liveTagIds(f))
      for (const id of req.add_tag) tags.add(id)
      for (const id of req.remove_tag) tags.delete(id)
      f.tags = [...tags]
      ctx.changed()
      const xml = externalContactEventXml(corp.corpid, ctx.clock.now(), 'edit_external_contact', { UserID: req.userid, ExternalUserID: req.external_userid })
      return { tags: f.tags, delivery: await send(corp, xml, 'change_external_contact:edit_external_contact', corp.contactApp()?.agentid, req.wait) }
    },

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
            if ([...corp.tagGroups.values()].some((g) => !g.deleted && g.group_name === req.group_name)) throw new ControlError(409, `tag group ${req.group_name} exists`)
            const group = createGroup(ctx.state.ids, corp, req.group_name, req.order, nowS)
            req.tags.forEach((name, i) => addTagToGroup(ctx.state.ids, corp, group, name, req.tags.length - i, nowS))
            id = group.group_id
          } else {
            const { group } = liveTagOrGroup(corp, req.group_id)
            if (!group) throw new ControlError(400, `${req.group_id} is not a tag group`)
            if (group.tag_ids.some((t) => corp.tags.get(t)?.deleted === false && corp.tags.get(t)?.name === req.name)) throw new ControlError(409, `tag ${req.name} exists in the group`)
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
            if (!group || items.some((it) => it.tag?.group_id !== group.group_id)) throw new ControlError(400, 'ids must be tags of group_id')
          } else if (items.some((it) => !it.group)) {
            throw new ControlError(400, 'without group_id, ids must be tag groups')
          }
          // Larger order = earlier, so the first id gets the largest.
          items.forEach((it, i) => ((it.group ?? it.tag) as { order: number }).order = items.length - i)
          id = req.group_id
          break
        }
      }
      ctx.changed()
      const xml = externalTagEventXml(corp.corpid, now, req.change_type, id, tagType)
      return { change_type: req.change_type, id, tag_type: tagType, delivery: await send(corp, xml, `change_external_tag:${req.change_type}`, corp.contactApp()?.agentid, req.wait) }
    },

    /** A customer-group change (change_external_chat); only the event is sent, groups are not modelled. */
    async chatEvent(corpid: string, input: z.input<typeof chatEventInput>) {
      const req = parseInput(chatEventInput, input)
      const corp = requireCorp(ctx, corpid)
      if (req.change_type === 'update' && !req.update_detail) throw new ControlError(400, 'update_detail is required for change_type update')
      const xml = externalChatEventXml(corp.corpid, ctx.clock.now(), req.change_type, req.chat_id, {
        UpdateDetail: req.change_type === 'update' ? req.update_detail : undefined,
        JoinScene: req.join_scene,
        QuitScene: req.quit_scene,
        MemChangeCnt: req.mem_change_cnt,
      })
      return { delivery: await send(corp, xml, `change_external_chat:${req.change_type}`, corp.contactApp()?.agentid, req.wait) }
    },

    /** A member writes to an app; the text message goes to the callback URL. */
    async inboundMessage(corpid: string, input: z.input<typeof inboundMessageInput>) {
      const req = parseInput(inboundMessageInput, input)
      const corp = requireCorp(ctx, corpid)
      if (!corp.members.has(req.userid)) throw new ControlError(404, `no member ${req.userid}`)
      const agentid = req.agentid ?? corp.agentApp()?.agentid
      if (agentid === undefined || !corp.app(agentid)) throw new ControlError(400, `no app ${agentid}`)
      const now = ctx.clock.now()
      // 15 digits: unique per corp and exact as a JSON/XML number (< 2^53).
      const msgId = Number(`${Math.floor(now / 1000)}${String(corp.nextSeq() % 100_000).padStart(5, '0')}`)
      const xml = textMessageXml(corp.corpid, now, req.userid, req.content, msgId, agentid)
      return { msgid: msgId, delivery: await send(corp, xml, 'text', agentid, req.wait) }
    },

    /** Members confirm a mass message in the client (one member, or every pending one when userid is left out). */
    confirmGroupMsg(corpid: string, input: z.input<typeof confirmGroupMsgInput>) {
      const req = parseInput(confirmGroupMsgInput, input)
      const corp = requireCorp(ctx, corpid)
      const msg = corp.groupMsgs.get(req.msgid)
      if (!msg) throw new ControlError(404, `no mass message ${req.msgid}`)
      if (msg.canceled) throw new ControlError(409, 'the mass message was canceled')
      const tasks = req.userid ? msg.tasks.filter((t) => t.userid === req.userid) : msg.tasks.filter((t) => t.status === 0)
      if (req.userid && tasks.length === 0) throw new ControlError(404, `${req.userid} has no task in ${req.msgid}`)
      if (req.userid && tasks[0].status !== 0) throw new ControlError(409, `${req.userid} has already sent ${req.msgid}`)
      const now = ctx.clock.now()
      const confirmed = tasks.map((t) => ({ userid: t.userid, ...confirmGroupMsgTask(corp, msg, t, now) }))
      ctx.changed()
      return { msgid: msg.msgid, confirmed }
    },

    listGroupMsgs(corpid: string) {
      return [...requireCorp(ctx, corpid).groupMsgs.values()].map(groupMsgSummary)
    },

    /** Monthly receive quota per customer; null = days in the month (the platform default). */
    setGroupMsgQuota(corpid: string, input: z.input<typeof quotaInput>) {
      const corp = requireCorp(ctx, corpid)
      corp.groupMsgQuota = parseInput(quotaInput, input).per_month
      ctx.changed()
      return { per_month: corp.groupMsgQuota }
    },

    /** What the OAuth authorize page hands the browser: a single-use code valid 5 minutes. */
    issueOAuthCode(corpid: string, input: z.input<typeof oauthCodeInput>) {
      const req = parseInput(oauthCodeInput, input)
      const corp = requireCorp(ctx, corpid)
      if ('userid' in req && !corp.members.has(req.userid)) throw new ControlError(404, `no member ${req.userid}`)
      if ('external_userid' in req && req.external_userid && !corp.customers.has(req.external_userid)) throw new ControlError(404, `no customer ${req.external_userid}`)
      const code = issueOAuthCode(ctx, corp, req, ctx.clock.now())
      return { code: code.code, expires_in: OAUTH_CODE_TTL_MS / 1000 }
    },

    getFaults() {
      return { rules: ctx.faults.list() }
    },

    setFaults(input: z.input<typeof faultsInput>) {
      const req = parseInput(faultsInput, input)
      ctx.faults.set(req.rules, req.seed)
      return { rules: ctx.faults.list() }
    },

    clearFaults() {
      ctx.faults.clear()
      return { rules: [] }
    },

    invalidateTokens(input?: z.input<typeof invalidateInput>) {
      const { corpid } = parseInput(invalidateInput, input)
      const invalidated = ctx.state.invalidateTokens(corpid)
      ctx.changed()
      return { invalidated }
    },

    getCounters() {
      return ctx.counters.snapshot()
    },

    resetCounters() {
      ctx.counters.reset()
      return ctx.counters.snapshot()
    },

    logs(input: z.input<typeof logsInput>) {
      const { kind, corpid, limit } = parseInput(logsInput, input)
      const logs = ctx.state.logs
      const source = {
        welcome: logs.welcome,
        mark_tag: logs.markTag,
        remark: logs.remark,
        app_messages: logs.appMessages,
        callbacks: logs.callbacks,
        temp_chat: logs.tempChat,
      }[kind]
      return { kind, items: source.list({ corpid, limit }) as unknown[] }
    },

    clearLogs() {
      ctx.state.logs.clear()
      return { cleared: true }
    },
  }
  return control
}
