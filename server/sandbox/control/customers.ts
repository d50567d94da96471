// What customers and members do to a relation: scan a contact way, delete each other, edit remarks/tags; customer-group events.
import type { z } from 'zod'
import { externalChatEventXml, externalContactEventXml } from '../callbacks'
import type { SandboxContext } from '../context'
import { newCustomer, newFollow, requireCorp } from '../corps'
import { ControlError } from '../errors'
import { expandParties } from '../wecom/common'
import { tempWayExpired } from '../wecom/contact-way'
import { issueWelcomeCode } from '../wecom/welcome'
import { parseInput, relation, sendCallback } from './common'
import { chatEventInput, editContactInput, relationInput, scanInput, staffDeletesInput } from './schemas'

export function customerControl(ctx: SandboxContext) {
  return {
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
      if (way.is_temp && way.unionid && customer.unionid !== way.unionid)
        throw new ControlError(409, 'this temp-chat QR code is reserved for another WeChat user')
      const nowS = Math.floor(now / 1000)
      let f = corp.findFollow(userid, ext)
      if (f?.status === 'active') throw new ControlError(409, `${ext} is already a customer of ${userid}`)
      if (f) {
        // The customer had removed the member; adding again restores the relation with fresh add data.
        Object.assign(f, { status: 'active', createtime: nowS, state: way.state, add_way: 1, oper_userid: ext, config_id: way.config_id })
      } else {
        f = newFollow(corp, {
          userid,
          external_userid: ext,
          remark: '',
          description: '',
          createtime: nowS,
          tags: [],
          oper_userid: ext,
          add_way: 1,
          state: way.state,
          config_id: way.config_id,
        })
      }
      if (way.is_temp) {
        way.used_at = now
        f.temp_chat_until = now + (way.chat_expires_in ?? 86400) * 1000
      }
      const code = issueWelcomeCode(ctx, corp, userid, ext, now)
      ctx.changed()
      const xml = externalContactEventXml(corp.corpid, now, req.event, {
        UserID: userid,
        ExternalUserID: ext,
        State: way.state || undefined,
        WelcomeCode: code.code,
      })
      const delivery = await sendCallback(ctx, corp, xml, `change_external_contact:${req.event}`, corp.contactApp()?.agentid, req.wait)
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
      const xml = externalContactEventXml(corp.corpid, ctx.clock.now(), 'del_follow_user', {
        UserID: req.userid,
        ExternalUserID: req.external_userid,
      })
      return {
        delivery: await sendCallback(ctx, corp, xml, 'change_external_contact:del_follow_user', corp.contactApp()?.agentid, req.wait),
      }
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
      return {
        delivery: await sendCallback(ctx, corp, xml, 'change_external_contact:del_external_contact', corp.contactApp()?.agentid, req.wait),
      }
    },

    /** The member edits remark/description/tags in the client. */
    async editContact(corpid: string, input: z.input<typeof editContactInput>) {
      const req = parseInput(editContactInput, input)
      const corp = requireCorp(ctx, corpid)
      const f = relation(corp, req.userid, req.external_userid)
      for (const id of [...req.add_tag, ...req.remove_tag])
        if (corp.tags.get(id)?.deleted !== false) throw new ControlError(400, `no live tag ${id}`)
      if (req.remark !== undefined) f.remark = req.remark
      if (req.description !== undefined) f.description = req.description
      const tags = new Set(corp.liveTagIds(f))
      for (const id of req.add_tag) tags.add(id)
      for (const id of req.remove_tag) tags.delete(id)
      f.tags = [...tags]
      ctx.changed()
      const xml = externalContactEventXml(corp.corpid, ctx.clock.now(), 'edit_external_contact', {
        UserID: req.userid,
        ExternalUserID: req.external_userid,
      })
      return {
        tags: f.tags,
        delivery: await sendCallback(ctx, corp, xml, 'change_external_contact:edit_external_contact', corp.contactApp()?.agentid, req.wait),
      }
    },

    /** A customer-group change (change_external_chat); only the event is sent, groups are not modelled. */
    async chatEvent(corpid: string, input: z.input<typeof chatEventInput>) {
      const req = parseInput(chatEventInput, input)
      const corp = requireCorp(ctx, corpid)
      if (req.change_type === 'update' && !req.update_detail)
        throw new ControlError(400, 'update_detail is required for change_type update')
      const xml = externalChatEventXml(corp.corpid, ctx.clock.now(), req.change_type, req.chat_id, {
        UpdateDetail: req.change_type === 'update' ? req.update_detail : undefined,
        JoinScene: req.join_scene,
        QuitScene: req.quit_scene,
        MemChangeCnt: req.mem_change_cnt,
      })
      return {
        delivery: await sendCallback(ctx, corp, xml, `change_external_chat:${req.change_type}`, corp.contactApp()?.agentid, req.wait),
      }
    },
  }
}
