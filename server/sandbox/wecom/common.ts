// Lookups and validations several endpoint groups share: members, customers, relations, media, message bodies.
import { WecomError, invalidParam } from '../errors'
import type { Conclusions, CorpState, Customer, Follow, Member } from '../state'
import { type Body, checkUseridFormat, maxBytes } from './params'

/** A member who may take part in customer contact: well-formed id (40003), exists (60111), enabled (84074). */
export function requireContactMember(corp: CorpState, userid: string): Member {
  checkUseridFormat(userid)
  const m = corp.members.get(userid)
  if (!m) throw new WecomError(60111, `userid \`${userid}\``)
  if (!m.customerContact) throw new WecomError(84074, `userid \`${userid}\` has no customer contact permission`)
  return m
}

export function requireMember(corp: CorpState, userid: string): Member {
  checkUseridFormat(userid)
  const m = corp.members.get(userid)
  if (!m) throw new WecomError(60111, `userid \`${userid}\``)
  return m
}

export function requireCustomer(corp: CorpState, externalUserid: string): Customer {
  const c = corp.customers.get(externalUserid)
  if (!c) throw new WecomError(40096, `external_userid \`${externalUserid}\``)
  return c
}

/** The member–customer relation, or 84061 when there is none. */
export function requireFollow(corp: CorpState, userid: string, externalUserid: string): Follow {
  requireMember(corp, userid)
  requireCustomer(corp, externalUserid)
  const f = corp.findFollow(userid, externalUserid)
  if (!f) throw new WecomError(84061)
  return f
}

/** Temp media live 3 days; a media_id must exist, be fresh, and be of the right kind. */
export const MEDIA_TTL_MS = 3 * 24 * 3600_000

export function requireMedia(corp: CorpState, mediaId: unknown, now: number, kind?: string): string {
  if (typeof mediaId !== 'string' || mediaId === '') throw new WecomError(41006)
  const m = corp.media.get(mediaId)
  if (!m || m.created_at * 1000 + MEDIA_TTL_MS <= now || (kind && m.type !== kind)) throw new WecomError(40007, `media_id \`${mediaId}\``)
  return mediaId
}

/** Member userids a department list expands to, sub-departments included. */
export function expandParties(corp: CorpState, parties: number[]): Set<string> {
  const wanted = new Set<number>()
  const queue = [...parties]
  while (queue.length) {
    const id = queue.pop() as number
    if (wanted.has(id)) continue
    wanted.add(id)
    for (const d of corp.departments.values()) if (d.parentid === id && d.id !== id) queue.push(d.id)
  }
  const out = new Set<string>()
  for (const m of corp.members.values()) if (m.department.some((d) => wanted.has(d))) out.add(m.userid)
  return out
}

function asObject(v: unknown, name: string): Body {
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw invalidParam(`field \`${name}\` must be an object`)
  return v as Body
}

function reqField(o: Body, field: string, path: string): string {
  const v = o[field]
  if (typeof v !== 'string' || v === '') throw invalidParam(`missing field \`${path}.${field}\``)
  return v
}

/** Attachments of send_welcome_msg and add_msg_template (A.6): ≤ 9, body must match msgtype. */
export function validateAttachments(corp: CorpState, raw: unknown, now: number): unknown[] {
  if (raw === undefined || raw === null) return []
  if (!Array.isArray(raw)) throw invalidParam('field `attachments` must be an array')
  if (raw.length > 9) throw invalidParam('field `attachments` exceed max length 9')
  return raw.map((item, i) => {
    const a = asObject(item, `attachments[${i}]`)
    const msgtype = a.msgtype
    if (typeof msgtype !== 'string' || msgtype === '') throw invalidParam(`missing field \`attachments[${i}].msgtype\``)
    const path = `attachments[${i}].${msgtype}`
    switch (msgtype) {
      case 'image': {
        const o = asObject(a.image, path)
        if (o.media_id !== undefined && o.media_id !== '') requireMedia(corp, o.media_id, now, 'image')
        else if (typeof o.pic_url !== 'string' || o.pic_url === '') throw invalidParam(`\`${path}\` needs media_id or pic_url`)
        break
      }
      case 'link': {
        const o = asObject(a.link, path)
        maxBytes(reqField(o, 'title', path), 128, `${path}.title`)
        maxBytes(reqField(o, 'url', path), 2048, `${path}.url`)
        maxBytes(typeof o.desc === 'string' ? o.desc : undefined, 512, `${path}.desc`)
        maxBytes(typeof o.picurl === 'string' ? o.picurl : undefined, 2048, `${path}.picurl`)
        break
      }
      case 'miniprogram': {
        const o = asObject(a.miniprogram, path)
        maxBytes(reqField(o, 'title', path), 64, `${path}.title`)
        requireMedia(corp, reqField(o, 'pic_media_id', path), now, 'image')
        reqField(o, 'appid', path)
        reqField(o, 'page', path)
        break
      }
      case 'video':
      case 'file': {
        const o = asObject(a[msgtype], path)
        requireMedia(corp, o.media_id, now, msgtype)
        break
      }
      default:
        throw new WecomError(40008, `attachments[${i}].msgtype \`${msgtype}\``)
    }
    return a
  })
}

/** `text: {content}` ≤ 4000 bytes (welcome message, mass message, conclusions). */
export function validateText(raw: unknown, name = 'text'): { content: string } | undefined {
  if (raw === undefined || raw === null) return undefined
  const o = asObject(raw, name)
  if (o.content === undefined || o.content === null || o.content === '') return undefined
  if (typeof o.content !== 'string') throw invalidParam(`field \`${name}.content\` must be a string`)
  maxBytes(o.content, 4000, `${name}.content`)
  return { content: o.content }
}

/** Temp-chat closing message: not all empty; text plus at most one of image > link > miniprogram is used. */
export function validateConclusions(corp: CorpState, raw: Body, now: number): Conclusions {
  const out: Conclusions = {}
  const text = validateText(raw.text, 'conclusions.text')
  if (text) out.text = text
  if (raw.image !== undefined) {
    const o = asObject(raw.image, 'conclusions.image')
    out.image = { media_id: requireMedia(corp, o.media_id, now, 'image') }
  }
  if (raw.link !== undefined) {
    const o = asObject(raw.link, 'conclusions.link')
    const title = reqField(o, 'title', 'conclusions.link')
    const url = reqField(o, 'url', 'conclusions.link')
    maxBytes(title, 128, 'conclusions.link.title')
    const desc = typeof o.desc === 'string' ? o.desc : undefined
    maxBytes(desc, 512, 'conclusions.link.desc')
    out.link = { title, url, picurl: typeof o.picurl === 'string' ? o.picurl : undefined, desc }
  }
  if (raw.miniprogram !== undefined) {
    const o = asObject(raw.miniprogram, 'conclusions.miniprogram')
    const title = reqField(o, 'title', 'conclusions.miniprogram')
    maxBytes(title, 64, 'conclusions.miniprogram.title')
    out.miniprogram = {
      title,
      pic_media_id: requireMedia(corp, reqField(o, 'pic_media_id', 'conclusions.miniprogram'), now, 'image'),
      appid: reqField(o, 'appid', 'conclusions.miniprogram'),
      page: reqField(o, 'page', 'conclusions.miniprogram'),
    }
  }
  if (!out.text && !out.image && !out.link && !out.miniprogram) throw invalidParam('conclusions cannot be empty')
  return out
}
