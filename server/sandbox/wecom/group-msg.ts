// Mass messages to customers (企业群发): tasks per member, results per customer, reminders, cancel, receive quota.
import { WecomError, invalidParam } from '../errors'
import type { Follow, CorpState, GroupMsg, GroupMsgTask } from '../state'
import { requireContactMember, validateAttachments, validateText } from './common'
import type { Endpoint } from './endpoint'
import { decodeCursor, encodeCursor, optBool, optInt, optObject, optString, optStringArray, reqString } from './params'

const DAY_MS = 24 * 3600_000
/** China Standard Time: the platform's "month" for the receive quota starts at 00:00 Beijing time. */
const CST_OFFSET_MS = 8 * 3600_000

function cstMonth(now: number): { start: number; days: number } {
  const d = new Date(now + CST_OFFSET_MS)
  const y = d.getUTCFullYear()
  const m = d.getUTCMonth()
  return { start: Date.UTC(y, m, 1) - CST_OFFSET_MS, days: new Date(Date.UTC(y, m + 1, 0)).getUTCDate() }
}

/** One more mass message for this customer this month, or false when the quota is used up. */
function takeQuota(corp: CorpState, externalUserid: string, now: number): boolean {
  const { start, days } = cstMonth(now)
  const quota = corp.groupMsgQuota ?? days
  const times = (corp.massReceived.get(externalUserid) ?? []).filter((t) => t >= start)
  if (times.length >= quota) {
    corp.massReceived.set(externalUserid, times)
    return false
  }
  times.push(now)
  corp.massReceived.set(externalUserid, times)
  return true
}

/**
 * A member confirms the task in the client: every pending customer gets sent (1), not a friend (2)
 * when the relation is gone or one-way, or quota reached (3).
 */
export function confirmGroupMsgTask(
  corp: CorpState,
  msg: GroupMsg,
  task: GroupMsgTask,
  now: number,
): Record<'sent' | 'not_friend' | 'over_quota', number> {
  const nowS = Math.floor(now / 1000)
  const counts = { sent: 0, not_friend: 0, over_quota: 0 }
  task.status = 2
  task.send_time = nowS
  for (const r of task.results) {
    if (r.status !== 0) continue
    if (corp.findFollow(task.userid, r.external_userid)?.status !== 'active') {
      r.status = 2
      counts.not_friend++
    } else if (!takeQuota(corp, r.external_userid, now)) {
      r.status = 3
      counts.over_quota++
    } else {
      r.status = 1
      r.send_time = nowS
      counts.sent++
    }
  }
  return counts
}

/** The member who added the customer most recently, as WeCom routes a customer without an explicit sender. */
function latestFollow(follows: Follow[]): Follow | undefined {
  let best: Follow | undefined
  for (const f of follows) if (!best || f.createtime > best.createtime || (f.createtime === best.createtime && f.seq > best.seq)) best = f
  return best
}

/** tag_filter: OR inside a group, AND across groups, on the tags of the relation that will send. */
function readTagFilter(body: Record<string, unknown>): string[][] | null {
  const filter = optObject(body, 'tag_filter')
  if (!filter) return null
  const groups = filter.group_list
  if (!Array.isArray(groups)) return null
  const out = groups.map((g, i) => {
    const list = optStringArray((g ?? {}) as Record<string, unknown>, 'tag_list') ?? []
    if (list.length > 100) throw invalidParam(`tag_filter.group_list[${i}].tag_list exceed max length 100`)
    return list
  })
  return out.filter((l) => l.length > 0)
}

function matchesFilter(corp: CorpState, f: Follow, filter: string[][] | null): boolean {
  if (!filter || filter.length === 0) return true
  const tags = new Set(corp.liveTagIds(f))
  return filter.every((group) => group.some((id) => tags.has(id)))
}

function requireMsg(corp: CorpState, body: Record<string, unknown>): GroupMsg {
  const msgid = reqString(body, 'msgid')
  const msg = corp.groupMsgs.get(msgid)
  if (!msg) throw invalidParam(`invalid msgid \`${msgid}\``)
  return msg
}

function pageLimit(body: Record<string, unknown>, def: number, max: number): number {
  const v = optInt(body, 'limit')
  return v === undefined || v <= 0 ? def : Math.min(v, max)
}

export const groupMsgEndpoints: Endpoint[] = [
  {
    name: 'externalcontact/add_msg_template',
    method: 'POST',
    scope: 'contact',
    mutates: true,
    handle({ ctx, corp, body, now }) {
      const chatType = optString(body, 'chat_type') ?? 'single'
      if (chatType === 'group') throw invalidParam('chat_type group: the sandbox has no customer group chats')
      if (chatType !== 'single') throw invalidParam('field `chat_type` must be single or group')
      const ids = optStringArray(body, 'external_userid') ?? []
      if (ids.length > 10_000) throw invalidParam('field `external_userid` exceed max length 10000')
      const sender = optString(body, 'sender') || undefined
      if (ids.length === 0 && !sender) throw invalidParam('external_userid and sender cannot both be empty')
      if (sender) requireContactMember(corp, sender)
      const text = validateText(body.text)
      const attachments = validateAttachments(corp, body.attachments, now)
      if (!text && attachments.length === 0) throw invalidParam('text and attachments cannot both be empty')
      const filter = readTagFilter(body)

      const fail_list: string[] = []
      const chosen: Follow[] = []
      if (ids.length) {
        for (const id of new Set(ids)) {
          const follows = corp.followsByCustomer.get(id)
          const f = follows && (sender ? follows.find((x) => x.userid === sender) : latestFollow(follows))
          if (!f) fail_list.push(id)
          else if (matchesFilter(corp, f, filter)) chosen.push(f)
        }
      } else {
        for (const f of corp.followsByUser.get(sender as string) ?? []) if (matchesFilter(corp, f, filter)) chosen.push(f)
      }

      const tasks = new Map<string, GroupMsgTask>()
      for (const f of chosen) {
        let task = tasks.get(f.userid)
        if (!task) tasks.set(f.userid, (task = { userid: f.userid, status: 0, send_time: 0, results: [] }))
        task.results.push({ external_userid: f.external_userid, status: 0, send_time: 0 })
      }
      const msg: GroupMsg = {
        seq: corp.nextSeq(),
        msgid: ctx.state.ids.next('msg', 32),
        chat_type: 'single',
        create_time: Math.floor(now / 1000),
        create_type: 0,
        text,
        attachments,
        allow_select: optBool(body, 'allow_select') ?? false,
        tasks: [...tasks.values()],
        reminders: [],
        canceled: false,
      }
      corp.groupMsgs.set(msg.msgid, msg)
      return { fail_list, msgid: msg.msgid }
    },
  },
  {
    name: 'externalcontact/get_groupmsg_list_v2',
    method: 'POST',
    scope: 'contact',
    handle({ corp, body }) {
      const chatType = reqString(body, 'chat_type')
      if (chatType !== 'single' && chatType !== 'group') throw invalidParam('field `chat_type` must be single or group')
      const start = optInt(body, 'start_time')
      const end = optInt(body, 'end_time')
      if (start === undefined || end === undefined) throw invalidParam('start_time and end_time are required')
      if (end < start) throw invalidParam('end_time is before start_time')
      if (end - start > 31 * 24 * 3600) throw invalidParam('time span exceeds one month')
      const creator = optString(body, 'creator') || undefined
      const filterType = optInt(body, 'filter_type') ?? 2
      const limitIn = optInt(body, 'limit')
      // Over the max falls back to the default here (unlike batch/get_by_user, which clamps).
      const limit = limitIn === undefined || limitIn <= 0 || limitIn > 100 ? 50 : limitIn
      const after = decodeCursor(optString(body, 'cursor'), 'gm', 1)?.[0] ?? 0
      const found: GroupMsg[] = []
      let more = false
      for (const m of corp.groupMsgs.values()) {
        if (m.seq <= after || m.chat_type !== chatType || m.create_time < start || m.create_time > end) continue
        if (creator && m.creator !== creator) continue
        if (filterType !== 2 && m.create_type !== filterType) continue
        if (found.length === limit) {
          more = true
          break
        }
        found.push(m)
      }
      const next = more ? encodeCursor('gm', [found[found.length - 1].seq]) : ''
      const list = found.map((m) => {
        const item: Record<string, unknown> = { msgid: m.msgid }
        if (m.creator) item.creator = m.creator
        item.create_time = m.create_time
        item.create_type = m.create_type
        if (m.text) item.text = m.text
        item.attachments = m.attachments
        return item
      })
      return { next_cursor: next, group_msg_list: list }
    },
  },
  {
    name: 'externalcontact/get_groupmsg_task',
    method: 'POST',
    scope: 'contact',
    handle({ corp, body }) {
      const msg = requireMsg(corp, body)
      const limit = pageLimit(body, 500, 1000)
      const from = decodeCursor(optString(body, 'cursor'), 'gt', 1)?.[0] ?? 0
      const page = msg.tasks.slice(from, from + limit)
      return {
        next_cursor: from + limit < msg.tasks.length ? encodeCursor('gt', [from + limit]) : '',
        task_list: page.map((t) =>
          t.status === 2 ? { userid: t.userid, status: t.status, send_time: t.send_time } : { userid: t.userid, status: t.status },
        ),
      }
    },
  },
  {
    name: 'externalcontact/get_groupmsg_send_result',
    method: 'POST',
    scope: 'contact',
    handle({ corp, body }) {
      const msg = requireMsg(corp, body)
      const userid = reqString(body, 'userid', 41009)
      const limit = pageLimit(body, 500, 1000)
      const from = decodeCursor(optString(body, 'cursor'), 'gr', 1)?.[0] ?? 0
      const results = msg.tasks.find((t) => t.userid === userid)?.results ?? []
      const page = results.slice(from, from + limit)
      return {
        next_cursor: from + limit < results.length ? encodeCursor('gr', [from + limit]) : '',
        send_list: page.map((r) =>
          r.status === 1
            ? { external_userid: r.external_userid, userid, status: r.status, send_time: r.send_time }
            : { external_userid: r.external_userid, userid, status: r.status },
        ),
      }
    },
  },
  {
    name: 'externalcontact/remind_groupmsg_send',
    method: 'POST',
    scope: 'contact',
    mutates: true,
    handle({ corp, body, now }) {
      const msg = requireMsg(corp, body)
      if (msg.canceled) throw invalidParam('the mass message has been canceled')
      msg.reminders = msg.reminders.filter((t) => now - t < DAY_MS)
      // The doc states the limit (3 per task per 24 h) but not its errcode; 45009 is the frequency-limit code.
      if (msg.reminders.length >= 3) throw new WecomError(45009, 'at most 3 reminders per task within 24 hours')
      msg.reminders.push(now)
      return {}
    },
  },
  {
    name: 'externalcontact/cancel_groupmsg_send',
    method: 'POST',
    scope: 'contact',
    mutates: true,
    handle({ corp, body }) {
      requireMsg(corp, body).canceled = true
      return {}
    },
  },
]
