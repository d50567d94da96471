// Mass messages from the outside: members confirm their tasks, the monthly receive quota, a summary per message.
import type { z } from 'zod'
import type { SandboxContext } from '../context'
import { requireCorp } from '../corps'
import { ControlError } from '../errors'
import type { GroupMsg } from '../state'
import { confirmGroupMsgTask } from '../wecom/group-msg'
import { parseInput } from './common'
import { confirmGroupMsgInput, quotaInput } from './schemas'

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

export function groupMsgControl(ctx: SandboxContext) {
  return {
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
  }
}
