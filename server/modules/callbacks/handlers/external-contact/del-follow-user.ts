// del_follow_user: the customer removed the member; the relation is lost and the member is told (best effort).
import { field } from '../../../../platform/xml'
import { PermanentJobError } from '../../../../queue/queue'
import { endFollow } from '../../../customers/customers.ingest'
import { findConfigByOrg } from '../../../wecom-config/wecom-config.repository'
import { writeTransaction } from '../../callbacks.repository'
import type { CallbackHandler } from '../../dispatch'
import { agentIdOf, notifyStaff } from '../../staff-notice'

export const delFollowUser: CallbackHandler = async ({ deps, orgId, event, doc }) => {
  const userid = field(doc, 'UserID')
  const externalUserid = field(doc, 'ExternalUserID')
  if (!userid || !externalUserid) throw new PermanentJobError('del_follow_user without UserID or ExternalUserID')
  const config = await findConfigByOrg(deps.db, orgId)
  const res = await writeTransaction(deps.db, (trx) =>
    endFollow(trx, { orgId, externalUserid, userid, status: 'lost', atMs: Number(event.create_time), now: deps.clock.now() }),
  )
  // Only for the run that recorded the loss: a replay tells the member nothing twice.
  const agentid = agentIdOf(config?.agent_id)
  if (res?.changed && agentid !== null) await notifyStaff(deps, orgId, agentid, { userid, content: `客户 ${res.customerName || externalUserid} 已将你删除` })
  return res ? 'processed' : 'ignored'
}
