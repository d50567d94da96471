// Customer data: follow-user list, per-member customer list, customer detail, batch by member, and remarks.
import { WecomError, invalidParam } from '../errors'
import { type CorpState, type Customer, type Follow, indexAfterSeq } from '../state'
import { requireContactMember, requireCustomer, requireFollow, requireMedia } from './common'
import type { Endpoint } from './endpoint'
import { decodeCursor, encodeCursor, maxChars, optInt, optString, optStringArray, reqString } from './params'

export function externalContactView(c: Customer): Record<string, unknown> {
  const v: Record<string, unknown> = {
    external_userid: c.external_userid,
    name: c.name,
    avatar: c.avatar,
    type: c.type,
    gender: c.gender,
  }
  if (c.unionid) v.unionid = c.unionid
  if (c.type === 2) {
    v.position = c.position ?? ''
    v.corp_name = c.corp_name ?? ''
    v.corp_full_name = c.corp_full_name ?? ''
  }
  return v
}

/** follow_user[] item of /get: tags carry names. */
export function followUserView(corp: CorpState, f: Follow): Record<string, unknown> {
  const tags = []
  for (const id of f.tags) {
    const tag = corp.tags.get(id)
    if (!tag || tag.deleted) continue
    tags.push({ group_name: corp.tagGroups.get(tag.group_id)?.group_name ?? '', tag_name: tag.name, type: 1, tag_id: id })
  }
  const v: Record<string, unknown> = {
    userid: f.userid,
    remark: f.remark,
    description: f.description,
    createtime: f.createtime,
    tags,
    remark_mobiles: f.remark_mobiles,
    oper_userid: f.oper_userid,
    add_way: f.add_way,
  }
  if (f.remark_corp_name) v.remark_corp_name = f.remark_corp_name
  if (f.state) v.state = f.state
  return v
}

/** follow_info of batch/get_by_user: one relation, tag ids only. */
export function followInfoView(corp: CorpState, f: Follow): Record<string, unknown> {
  const v: Record<string, unknown> = {
    userid: f.userid,
    remark: f.remark,
    description: f.description,
    createtime: f.createtime,
    tag_id: corp.liveTagIds(f),
    remark_mobiles: f.remark_mobiles,
    oper_userid: f.oper_userid,
    add_way: f.add_way,
  }
  if (f.remark_corp_name) v.remark_corp_name = f.remark_corp_name
  if (f.state) v.state = f.state
  return v
}

const FOLLOW_PAGE = 500

export const externalContactEndpoints: Endpoint[] = [
  {
    name: 'externalcontact/get_follow_user_list',
    method: 'GET',
    scope: 'contact',
    handle({ corp }) {
      const follow_user: string[] = []
      for (const m of corp.members.values()) if (m.customerContact) follow_user.push(m.userid)
      return { follow_user }
    },
  },
  {
    name: 'externalcontact/list',
    method: 'GET',
    scope: 'contact',
    handle({ corp, query }) {
      const userid = query('userid')
      if (!userid) throw new WecomError(41009)
      requireContactMember(corp, userid)
      const follows = corp.followsByUser.get(userid)
      // WeCom answers 84061 rather than an empty list when the member has no customers.
      if (!follows || follows.length === 0) throw new WecomError(84061)
      return { external_userid: follows.map((f) => f.external_userid) }
    },
  },
  {
    name: 'externalcontact/get',
    method: 'GET',
    scope: 'contact',
    handle({ corp, query }) {
      const id = query('external_userid')
      if (!id) throw new WecomError(40096, 'missing external_userid')
      const customer = requireCustomer(corp, id)
      const follows = corp.followsByCustomer.get(id) ?? []
      if (follows.length === 0) throw new WecomError(84061)
      const after = decodeCursor(query('cursor'), 'fu', 1)?.[0] ?? 0
      const start = indexAfterSeq(follows, after)
      const page = follows.slice(start, start + FOLLOW_PAGE)
      const out: Record<string, unknown> = {
        external_contact: externalContactView(customer),
        follow_user: page.map((f) => followUserView(corp, f)),
      }
      // next_cursor only appears when the customer has more than one page of followers.
      if (start + FOLLOW_PAGE < follows.length) out.next_cursor = encodeCursor('fu', [page[page.length - 1].seq])
      return out
    },
  },
  {
    name: 'externalcontact/batch/get_by_user',
    method: 'POST',
    scope: 'contact',
    handle({ corp, body }) {
      // SDKs written against the older doc still send one member as `userid`; userid_list wins when both come.
      const legacyUser = optString(body, 'userid')
      const users = optStringArray(body, 'userid_list') ?? (legacyUser ? [legacyUser] : undefined)
      if (!users || users.length === 0) throw invalidParam('missing field `userid_list`')
      if (users.length > 100) throw invalidParam('field `userid_list` exceed max length 100')
      const limitIn = optInt(body, 'limit')
      const limit = limitIn === undefined || limitIn <= 0 ? 50 : Math.min(limitIn, 100)
      const [startUser, afterSeq] = decodeCursor(optString(body, 'cursor'), 'bu', 2) ?? [0, 0]
      const list: Record<string, unknown>[] = []
      let cursor = ''
      for (let u = startUser; u < users.length; u++) {
        const follows = corp.followsByUser.get(users[u])
        if (!follows || follows.length === 0) continue
        let i = u === startUser ? indexAfterSeq(follows, afterSeq) : 0
        for (; i < follows.length; i++) {
          if (list.length === limit) break
          const f = follows[i]
          const customer = corp.customers.get(f.external_userid)
          if (!customer) continue
          list.push({ external_contact: externalContactView(customer), follow_info: followInfoView(corp, f) })
          if (list.length === limit) {
            if (hasMore(corp, users, u, i + 1)) cursor = encodeCursor('bu', [u, f.seq])
            break
          }
        }
        if (list.length === limit) break
      }
      return { external_contact_list: list, next_cursor: cursor }
    },
  },
  {
    name: 'externalcontact/remark',
    method: 'POST',
    scope: 'contact',
    mutates: true,
    handle({ ctx, corp, body, now }) {
      const userid = reqString(body, 'userid', 41009)
      const externalUserid = reqString(body, 'external_userid')
      const remark = optString(body, 'remark')
      const description = optString(body, 'description')
      const remarkCompany = optString(body, 'remark_company')
      const mobiles = optStringArray(body, 'remark_mobiles')
      const pic = optString(body, 'remark_pic_mediaid')
      maxChars(remark, 20, 'remark')
      maxChars(description, 150, 'description')
      maxChars(remarkCompany, 20, 'remark_company')
      if (remark === undefined && description === undefined && remarkCompany === undefined && mobiles === undefined && pic === undefined) {
        throw invalidParam('at least one of remark, description, remark_company, remark_mobiles, remark_pic_mediaid is required')
      }
      const f = requireFollow(corp, userid, externalUserid)
      if (pic !== undefined && pic !== '') requireMedia(corp, pic, now, 'image')
      const changes: Record<string, unknown> = {}
      if (remark !== undefined) changes.remark = f.remark = remark
      if (description !== undefined) changes.description = f.description = description
      // remark_company only sticks for WeChat users, as on the platform.
      if (remarkCompany !== undefined && corp.customers.get(externalUserid)?.type === 1)
        changes.remark_company = f.remark_corp_name = remarkCompany
      if (mobiles !== undefined) changes.remark_mobiles = f.remark_mobiles = mobiles.filter((m) => m !== '')
      if (pic !== undefined) changes.remark_pic_mediaid = pic
      ctx.state.logs.remark.push({ at: now, corpid: corp.corpid, userid, external_userid: externalUserid, changes })
      return {}
    },
  },
]

/** Whether anything follows position (u, i), so the last full page does not hand out an empty next page. */
function hasMore(corp: CorpState, users: string[], u: number, i: number): boolean {
  if (i < (corp.followsByUser.get(users[u])?.length ?? 0)) return true
  for (let k = u + 1; k < users.length; k++) if ((corp.followsByUser.get(users[k])?.length ?? 0) > 0) return true
  return false
}
