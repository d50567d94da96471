// del_follow_user: the customer removed the member; the relation is lost and the member is told (best effort) unless the org chose the digest or no alert.
import { field } from '../../../../platform/xml'
import { PermanentJobError } from '../../../../queue/queue'
import { endFollow } from '../../../customers/customers.ingest'
import { writeTransaction } from '../../../../db/transaction'
import type { CallbackHandler } from '../handler'
import { notifyLostImmediately } from '../../../lost-customers/lost-customers.service'

export const delFollowUser: CallbackHandler = async ({ deps, orgId, event, doc }) => {
  const userid = field(doc, 'UserID')
  const externalUserid = field(doc, 'ExternalUserID')
  if (!userid || !externalUserid) throw new PermanentJobError('del_follow_user without UserID or ExternalUserID')
  const res = await writeTransaction(deps.db, (trx) =>
    endFollow(trx, {
      dedupeKey: `cb:${event.id}`,
      orgId,
      externalUserid,
      userid,
      status: 'lost',
      atMs: Number(event.create_time),
      now: deps.clock.now(),
    }),
  )
  // Only for the run that recorded the loss: a replay tells the member nothing twice.
  if (res?.changed) await notifyLostImmediately(deps, orgId, { userid, content: `客户 ${res.customerName || externalUserid} 已将你删除` })
  return res ? 'processed' : 'ignored'
}
