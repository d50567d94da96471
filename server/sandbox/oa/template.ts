// Template messages: the private template list and send, with the key rules, 43004 and client_msg_id de-dup.
import type { OaEndpoint } from './endpoint'
import { sendOaEvent, templateJobFinishXml } from './events'
import { OaError } from './errors'
import { checkTemplateData } from './template-rules'

/** The same openid + client_msg_id is sent once within this window. */
export const CLIENT_MSG_ID_WINDOW_MS = 10 * 60_000

function readData(raw: unknown): Record<string, string> {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new OaError(47001, 'data')
  const out: Record<string, string> = {}
  for (const [key, item] of Object.entries(raw as Record<string, unknown>)) {
    const value = item && typeof item === 'object' ? (item as { value?: unknown }).value : undefined
    if (value === undefined || value === null) continue
    out[key] = typeof value === 'string' ? value : String(value)
  }
  return out
}

export const templateEndpoints: OaEndpoint[] = [
  {
    path: '/cgi-bin/template/get_all_private_template',
    method: 'GET',
    handle({ account }) {
      return {
        template_list: [...account.templates.values()].map((t) => ({
          template_id: t.template_id,
          title: t.title,
          primary_industry: t.primary_industry,
          deputy_industry: t.deputy_industry,
          content: t.content,
          example: t.example,
        })),
      }
    },
  },
  {
    path: '/cgi-bin/message/template/send',
    method: 'POST',
    mutates: true,
    handle({ ctx, body, account, now }) {
      const touser = typeof body.touser === 'string' ? body.touser : ''
      const fan = account.fans.get(touser)
      if (!fan) throw new OaError(40003)
      const templateId = typeof body.template_id === 'string' ? body.template_id : ''
      const template = account.templates.get(templateId)
      if (!template) throw new OaError(40037)
      if (!fan.subscribed) throw new OaError(43004)
      const clientMsgId = typeof body.client_msg_id === 'string' && body.client_msg_id !== '' ? body.client_msg_id : undefined
      const dedupKey = clientMsgId ? `${touser} ${clientMsgId}` : undefined
      if (dedupKey) {
        const seen = account.clientMsgIds.get(dedupKey)
        if (seen && now - seen.at < CLIENT_MSG_ID_WINDOW_MS) return { errcode: 0, errmsg: 'ok', msgid: seen.msgid }
      }
      const data = readData(body.data)
      const { displayed, notDisplayed } = checkTemplateData(template.content, data, template.constValues)
      // 15+ digits like the platform's int64 msgids, still exact as a JSON number.
      const msgid = Number(`${Math.floor(now / 1000)}${String(account.nextSeq() % 100_000).padStart(5, '0')}`)
      const mp = body.miniprogram as { appid?: unknown; pagepath?: unknown } | undefined
      account.sent.push({
        msgid,
        touser,
        template_id: templateId,
        url: typeof body.url === 'string' ? body.url : undefined,
        miniprogram:
          mp && typeof mp.appid === 'string'
            ? { appid: mp.appid, pagepath: typeof mp.pagepath === 'string' ? mp.pagepath : undefined }
            : undefined,
        client_msg_id: clientMsgId,
        data,
        displayed,
        notDisplayed,
        sent_at: now,
      })
      if (dedupKey) {
        // Bounded: entries past the window no longer de-duplicate anything.
        if (account.clientMsgIds.size >= 10_000) {
          for (const [k, v] of account.clientMsgIds) if (now - v.at >= CLIENT_MSG_ID_WINDOW_MS) account.clientMsgIds.delete(k)
        }
        account.clientMsgIds.set(dedupKey, { msgid, at: now })
      }
      // The platform reports the delivery afterwards; the sandbox's fans never block, so it is a success.
      void sendOaEvent(ctx, account, templateJobFinishXml(account, touser, now, msgid, 'success'), 'TEMPLATESENDJOBFINISH', touser, false)
      return { errcode: 0, errmsg: 'ok', msgid }
    },
  },
]
