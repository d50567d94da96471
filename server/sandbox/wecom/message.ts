// App messages to members (message/send): recipients, per-type bodies, invalid lists and 81013, logged for tests.
import { WecomError, invalidParam } from '../errors'
import type { CorpState } from '../state'
import { expandParties, requireMedia } from './common'
import type { Endpoint } from './endpoint'
import { type Body, optInt, optObject, optString, truncateBytes } from './params'

function splitIds(value: string | undefined): string[] {
  return value
    ? value
        .split('|')
        .map((s) => s.trim())
        .filter(Boolean)
    : []
}

function need(o: Body, field: string, code: number, path: string): string {
  const v = o[field]
  if (typeof v !== 'string' || v === '') throw new WecomError(code, `missing ${path}.${field}`)
  return v
}

const MEDIA_TYPES = new Set(['image', 'voice', 'video', 'file'])

/** Validates the type body; long text is cut, as the platform does, rather than rejected. */
function messageBody(msgtype: string, body: Body, corp: CorpState, now: number): unknown {
  const o = optObject(body, msgtype)
  if (!o) throw invalidParam(`missing field \`${msgtype}\``)
  switch (msgtype) {
    case 'text':
      return { content: truncateBytes(need(o, 'content', 40058, 'text'), 2048) }
    case 'markdown':
      return { content: truncateBytes(need(o, 'content', 40058, 'markdown'), 2048) }
    case 'textcard': {
      const title = truncateBytes(need(o, 'title', 41016, 'textcard'), 128)
      const description = truncateBytes(need(o, 'description', 41033, 'textcard'), 512)
      const url = need(o, 'url', 40058, 'textcard')
      const btntxt = typeof o.btntxt === 'string' && o.btntxt ? [...o.btntxt].slice(0, 4).join('') : '详情'
      return { title, description, url, btntxt }
    }
    case 'news': {
      const articles = o.articles
      if (!Array.isArray(articles) || articles.length === 0 || articles.length > 8)
        throw invalidParam('news.articles must have 1 to 8 items')
      articles.forEach((a, i) => {
        const art = (a ?? {}) as Body
        need(art, 'title', 41016, `news.articles[${i}]`)
        if (!art.url && !(art.appid && art.pagepath)) throw invalidParam(`news.articles[${i}] needs url or appid+pagepath`)
      })
      return o
    }
    case 'template_card': {
      need(o, 'card_type', 40058, 'template_card')
      return o
    }
    case 'mpnews':
    case 'miniprogram_notice':
      return o
    default:
      if (MEDIA_TYPES.has(msgtype)) {
        requireMedia(corp, o.media_id, now, msgtype)
        return { media_id: o.media_id }
      }
      throw new WecomError(40008, `msgtype \`${msgtype}\``)
  }
}

export const messageEndpoints: Endpoint[] = [
  {
    name: 'message/send',
    method: 'POST',
    mutates: true,
    handle({ ctx, corp, app, body, now }) {
      const agentid = optInt(body, 'agentid')
      if (agentid === undefined) throw new WecomError(41011)
      if (!corp.app(agentid)) throw new WecomError(40056, `agentid ${agentid}`)
      if (agentid !== app.agentid) throw new WecomError(301002)
      const msgtype = optString(body, 'msgtype')
      if (!msgtype) throw new WecomError(40008, 'missing msgtype')
      const touser = optString(body, 'touser')
      const toparty = optString(body, 'toparty')
      const totag = optString(body, 'totag')
      if (!touser && !toparty && !totag) throw invalidParam('touser, toparty and totag cannot all be empty')
      const content = messageBody(msgtype, body, corp, now)

      const recipients = new Set<string>()
      const invaliduser: string[] = []
      const invalidparty: string[] = []
      const invalidtag: string[] = []
      if (touser === '@all') {
        for (const m of corp.members.values()) recipients.add(m.userid)
      } else {
        const users = splitIds(touser)
        if (users.length > 1000) throw new WecomError(40032, 'touser exceeds 1000')
        for (const u of users) {
          if (corp.members.has(u)) recipients.add(u)
          else invaliduser.push(u.toLowerCase())
        }
        const parties = splitIds(toparty)
        if (parties.length > 100) throw invalidParam('toparty exceeds 100')
        const known = parties.filter((p) => /^\d+$/.test(p) && corp.departments.has(Number(p)))
        for (const p of parties) if (!known.includes(p)) invalidparty.push(p)
        for (const u of expandParties(corp, known.map(Number))) recipients.add(u)
        // Member tags (通讯录标签) are not modelled, so every totag id is invalid.
        const tags = splitIds(totag)
        if (tags.length > 100) throw invalidParam('totag exceeds 100')
        invalidtag.push(...tags)
      }
      if (recipients.size === 0) throw new WecomError(81013)
      const msgid = ctx.state.ids.next('', 40)
      ctx.state.logs.appMessages.push({
        at: now,
        corpid: corp.corpid,
        msgid,
        agentid,
        msgtype,
        touser: [...recipients],
        invaliduser,
        invalidparty,
        invalidtag,
        body: content,
      })
      return {
        invaliduser: invaliduser.join('|'),
        invalidparty: invalidparty.join('|'),
        invalidtag: invalidtag.join('|'),
        unlicenseduser: '',
        msgid,
      }
    },
  },
]
