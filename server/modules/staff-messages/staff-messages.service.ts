// 通知员工: a textcard app message (message/send) to chosen staff of the org; reports whom WeCom could not reach.
import type { Deps } from '../../deps'
import { InvalidInputError, PreconditionError } from '../../lib/errors'
import type { StaffMessageInput } from '../../../shared/schemas/staff-message'
import { agentIdOf } from '../callbacks/staff-notice'
import { findOrgStaffUserids } from './staff-messages.repository'

export interface StaffMessageResult {
  sent: number
  /** Staff WeCom did not accept (outside the app's visible range, left the corp). */
  invalid: string[]
}

/** Sent once: message/send is never repeated after an unclear failure, so nobody gets the card twice. */
export async function sendStaffMessage(deps: Deps, orgId: number, input: StaffMessageInput): Promise<StaffMessageResult> {
  const userids = [...new Set(input.userids)]
  const known = await findOrgStaffUserids(deps.db, orgId, userids)
  const unknown = userids.filter((u) => !known.has(u))
  if (unknown.length) throw new InvalidInputError(`不是本机构的企业微信成员：${unknown.slice(0, 5).join('、')}，请先同步成员`)
  const client = await deps.wecom.for(orgId, 'agent')
  const agentid = agentIdOf(client.agentId)
  if (agentid === null) throw new PreconditionError('请先在「企业微信配置」中填写自建应用的 AgentId，才能给员工发送应用消息')
  const res = await client.message.send({
    touser: userids.join('|'),
    msgtype: 'textcard',
    agentid,
    textcard: { title: input.title, description: input.description, url: input.url },
  })
  const invalid = res.invaliduser ? res.invaliduser.split('|').filter(Boolean) : []
  return { sent: userids.length - invalid.length, invalid }
}
