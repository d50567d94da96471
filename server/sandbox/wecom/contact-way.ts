// 「联系我」 contact ways: add/get/list/update/del and close_temp_chat, with the platform's limits and QR URLs.
import { type SandboxContext, sandboxUrl } from '../context'
import { WecomError, invalidParam } from '../errors'
import { HEX } from '../ids'
import type { ContactWay, CorpState } from '../state'
import { expandParties, requireContactMember, requireFollow, validateConclusions } from './common'
import type { Endpoint } from './endpoint'
import {
  type Body,
  decodeCursor,
  encodeCursor,
  maxChars,
  optBool,
  optInt,
  optIntArray,
  optObject,
  optString,
  optStringArray,
  reqString,
} from './params'

const DAY_S = 24 * 3600
const MAX_TEMP_S = 14 * DAY_S
const MAX_WAYS_PER_CORP = 500_000

export function qrCodeUrl(ctx: SandboxContext, configId: string): string {
  return sandboxUrl(ctx, `/wecom/qr/${configId}.png`)
}

export function tempWayExpired(way: ContactWay, now: number): boolean {
  return way.is_temp && way.created_at + (way.expires_in ?? 7 * DAY_S) * 1000 <= now
}

/** Users and departments of a way: type 1 exactly one user; type 2 some users/parties, ≤ 100 members in all. */
function checkAudience(corp: CorpState, type: 1 | 2, user: string[], party: number[], isTemp: boolean): void {
  if (type === 1 && user.length !== 1) throw invalidParam('type 1 contact way needs exactly one user')
  if (type === 2 && user.length === 0 && party.length === 0) throw invalidParam('user and party cannot both be empty')
  if (isTemp && (type !== 1 || user.length !== 1)) throw invalidParam('temp chat contact way must be single user')
  for (const u of user) requireContactMember(corp, u)
  for (const p of party) if (!corp.departments.has(p)) throw new WecomError(60123, `party \`${p}\``)
  const all = new Set(user)
  if (party.length) for (const u of expandParties(corp, party)) all.add(u)
  if (all.size > 100) throw invalidParam('contact way exceeds 100 users')
}

function checkTempSeconds(value: number | undefined, name: string): void {
  if (value !== undefined && (value <= 0 || value > MAX_TEMP_S)) throw invalidParam(`field \`${name}\` must be within 14 days`)
}

function readTempFields(corp: CorpState, body: Body, now: number) {
  const expires_in = optInt(body, 'expires_in')
  const chat_expires_in = optInt(body, 'chat_expires_in')
  checkTempSeconds(expires_in, 'expires_in')
  checkTempSeconds(chat_expires_in, 'chat_expires_in')
  const conclusionsRaw = optObject(body, 'conclusions')
  return {
    expires_in,
    chat_expires_in,
    unionid: optString(body, 'unionid'),
    conclusions: conclusionsRaw ? validateConclusions(corp, conclusionsRaw, now) : undefined,
  }
}

/** The contact_way object get_contact_way returns (image conclusions come back as pic_url). */
export function contactWayView(ctx: SandboxContext, way: ContactWay): Record<string, unknown> {
  const view: Record<string, unknown> = {
    config_id: way.config_id,
    type: way.type,
    scene: way.scene,
  }
  if (way.scene === 1) view.style = way.style ?? 0
  view.remark = way.remark
  view.skip_verify = way.skip_verify
  view.state = way.state
  if (way.scene === 2) view.qr_code = qrCodeUrl(ctx, way.config_id)
  view.user = way.user
  view.party = way.party
  view.is_temp = way.is_temp
  if (way.is_temp) {
    view.expires_in = way.expires_in ?? 7 * DAY_S
    view.chat_expires_in = way.chat_expires_in ?? DAY_S
    if (way.unionid) view.unionid = way.unionid
    if (way.conclusions) {
      const { image, ...rest } = way.conclusions
      view.conclusions = image ? { ...rest, image: { pic_url: sandboxUrl(ctx, `/wecom/media-cdn/${image.media_id}`) } } : rest
    }
  }
  view.is_exclusive = way.is_exclusive
  return view
}

function requireWay(corp: CorpState, body: Body): ContactWay {
  const id = reqString(body, 'config_id')
  const way = corp.contactWays.get(id)
  if (!way) throw invalidParam(`invalid config_id \`${id}\``)
  return way
}

export const contactWayEndpoints: Endpoint[] = [
  {
    name: 'externalcontact/add_contact_way',
    method: 'POST',
    scope: 'contact',
    mutates: true,
    handle({ ctx, corp, body, now }) {
      const type = optInt(body, 'type')
      if (type === undefined) throw new WecomError(41037)
      if (type !== 1 && type !== 2) throw invalidParam('field `type` must be 1 or 2')
      const scene = optInt(body, 'scene')
      if (scene !== 1 && scene !== 2) throw invalidParam(scene === undefined ? 'missing field `scene`' : 'field `scene` must be 1 or 2')
      const remark = optString(body, 'remark') ?? ''
      const state = optString(body, 'state') ?? ''
      maxChars(remark, 30, 'remark')
      maxChars(state, 30, 'state')
      const user = optStringArray(body, 'user') ?? []
      const party = type === 2 ? (optIntArray(body, 'party') ?? []) : []
      const isTemp = optBool(body, 'is_temp') ?? false
      checkAudience(corp, type, user, party, isTemp)
      const temp = readTempFields(corp, body, now)
      if (!isTemp && temp.conclusions) throw invalidParam('conclusions only apply to temp chat contact ways')
      if (corp.contactWays.size >= MAX_WAYS_PER_CORP) throw invalidParam('contact way quota (500000) reached')
      const way: ContactWay = {
        seq: corp.nextSeq(),
        config_id: ctx.state.ids.next('', 32, HEX),
        type,
        scene,
        style: scene === 1 ? optInt(body, 'style') : undefined,
        remark,
        skip_verify: optBool(body, 'skip_verify') ?? true,
        state,
        user,
        party,
        is_temp: isTemp,
        is_exclusive: optBool(body, 'is_exclusive') ?? false,
        created_at: now,
        used_at: 0,
        next_pick: 0,
      }
      if (isTemp) {
        way.expires_in = temp.expires_in ?? 7 * DAY_S
        way.chat_expires_in = temp.chat_expires_in ?? DAY_S
        way.unionid = temp.unionid
        way.conclusions = temp.conclusions
      }
      corp.contactWays.set(way.config_id, way)
      return scene === 2 ? { config_id: way.config_id, qr_code: qrCodeUrl(ctx, way.config_id) } : { config_id: way.config_id }
    },
  },
  {
    name: 'externalcontact/get_contact_way',
    method: 'POST',
    scope: 'contact',
    handle({ ctx, corp, body }) {
      return { contact_way: contactWayView(ctx, requireWay(corp, body)) }
    },
  },
  {
    name: 'externalcontact/list_contact_way',
    method: 'POST',
    scope: 'contact',
    handle({ corp, body, now }) {
      const nowS = Math.floor(now / 1000)
      const start = (optInt(body, 'start_time') ?? nowS - 90 * DAY_S) * 1000
      const end = (optInt(body, 'end_time') ?? nowS) * 1000 + 999
      const limitIn = optInt(body, 'limit')
      const limit = limitIn === undefined || limitIn <= 0 ? 100 : Math.min(limitIn, 1000)
      const after = decodeCursor(optString(body, 'cursor'), 'cw', 1)?.[0] ?? 0
      const page: { config_id: string }[] = []
      let last = 0
      let more = false
      // Map iteration is creation (seq) order, which makes the seq cursor stable under inserts and deletes.
      for (const way of corp.contactWays.values()) {
        if (way.seq <= after || way.is_temp || way.created_at < start || way.created_at > end) continue
        if (page.length === limit) {
          more = true
          break
        }
        page.push({ config_id: way.config_id })
        last = way.seq
      }
      return { contact_way: page, next_cursor: more ? encodeCursor('cw', [last]) : '' }
    },
  },
  {
    name: 'externalcontact/update_contact_way',
    method: 'POST',
    scope: 'contact',
    mutates: true,
    handle({ corp, body, now }) {
      const way = requireWay(corp, body)
      if (tempWayExpired(way, now)) throw invalidParam('temp chat contact way has expired')
      const remark = optString(body, 'remark')
      const state = optString(body, 'state')
      maxChars(remark, 30, 'remark')
      maxChars(state, 30, 'state')
      const user = optStringArray(body, 'user')
      const party = optIntArray(body, 'party')
      if (party !== undefined && party.length && way.type !== 2) throw invalidParam('party only applies to type 2 contact ways')
      if (user !== undefined || party !== undefined) checkAudience(corp, way.type, user ?? way.user, party ?? way.party, way.is_temp)
      const temp = readTempFields(corp, body, now)
      if (!way.is_temp && temp.conclusions) throw invalidParam('conclusions only apply to temp chat contact ways')
      if (remark !== undefined) way.remark = remark
      if (state !== undefined) way.state = state
      if (user !== undefined) way.user = user
      if (party !== undefined) way.party = party
      const skip = optBool(body, 'skip_verify')
      if (skip !== undefined) way.skip_verify = skip
      const style = optInt(body, 'style')
      if (style !== undefined && way.scene === 1) way.style = style
      if (way.is_temp) {
        if (temp.expires_in !== undefined) way.expires_in = temp.expires_in
        if (temp.chat_expires_in !== undefined) way.chat_expires_in = temp.chat_expires_in
        if (temp.unionid !== undefined) way.unionid = temp.unionid
        if (temp.conclusions) way.conclusions = temp.conclusions
      }
      return {}
    },
  },
  {
    name: 'externalcontact/del_contact_way',
    method: 'POST',
    scope: 'contact',
    mutates: true,
    handle({ corp, body }) {
      corp.contactWays.delete(requireWay(corp, body).config_id)
      return {}
    },
  },
  {
    name: 'externalcontact/close_temp_chat',
    method: 'POST',
    scope: 'contact',
    mutates: true,
    handle({ ctx, corp, body, now }) {
      const userid = reqString(body, 'userid', 41009)
      const externalUserid = reqString(body, 'external_userid')
      const f = requireFollow(corp, userid, externalUserid)
      if (!f.temp_chat_until || f.temp_chat_closed || f.temp_chat_until <= now) throw invalidParam('no open temp chat with this customer')
      f.temp_chat_closed = true
      const way = corp.contactWays.get(f.config_id)
      ctx.state.logs.tempChat.push({
        at: now,
        corpid: corp.corpid,
        userid,
        external_userid: externalUserid,
        config_id: f.config_id,
        conclusions: way?.conclusions,
      })
      return {}
    },
  },
]
