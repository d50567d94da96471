// Members (读取成员 user/get): what a self-built app created after 2022-06-20 may read about a userid.
import { WecomError } from '../errors'
import type { CorpState, Member } from '../state'
import type { Endpoint } from './endpoint'
import { checkUseridFormat } from './params'

/** WeCom compares userids without regard to case; the stored spelling is what comes back. */
function findMember(corp: CorpState, userid: string): Member | undefined {
  const exact = corp.members.get(userid)
  if (exact) return exact
  const lower = userid.toLowerCase()
  for (const m of corp.members.values()) if (m.userid.toLowerCase() === lower) return m
  return undefined
}

/**
 * The fields every app still gets. Since 2022-06-20 the platform withholds avatar, gender, mobile, email,
 * biz_mail, qr_code and address from all apps but contact sync and from every newly created app, and the
 * sandbox's apps count as new, so those are left out (the sandbox does keep mobiles, for the control API).
 */
export function memberView(m: Member): Record<string, unknown> {
  return {
    userid: m.userid,
    name: m.name,
    department: m.department,
    order: m.department.map(() => 0),
    position: m.position,
    is_leader_in_dept: m.department.map(() => 0),
    direct_leader: [],
    telephone: '',
    alias: '',
    main_department: m.department[0],
    status: 1,
  }
}

export const userEndpoints: Endpoint[] = [
  {
    name: 'user/get',
    method: 'GET',
    // Any app may read members; visible ranges are not modelled, so every member is in range.
    scope: 'any',
    handle({ corp, query }) {
      const userid = query('userid')
      if (!userid) throw new WecomError(41009)
      checkUseridFormat(userid)
      const member = findMember(corp, userid)
      if (!member) throw new WecomError(60111, `userid \`${userid}\``)
      return memberView(member)
    },
  },
]
