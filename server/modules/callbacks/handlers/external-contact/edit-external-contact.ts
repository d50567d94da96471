// edit_external_contact: the member changed remark, description or tags in the client; refetch and mirror that relation.
import { field } from '../../../../platform/xml'
import { PermanentJobError } from '../../../../queue/queue'
import { ingestContact } from '../../../customers/customers.ingest'
import { staffActor } from '../../../customers/customer-events'
import { writeTransaction } from '../../../../db/transaction'
import type { CallbackHandler } from '../handler'
import { fetchCustomerDetail } from './detail'

export const editExternalContact: CallbackHandler = async ({ deps, orgId, event, doc }) => {
  const userid = field(doc, 'UserID')
  const externalUserid = field(doc, 'ExternalUserID')
  if (!userid || !externalUserid) throw new PermanentJobError('edit_external_contact without UserID or ExternalUserID')
  const client = await deps.wecom.for(orgId, 'contact')
  const detail = await fetchCustomerDetail(client, externalUserid)
  const follow = detail.follow_user.find((f) => f.userid === userid)
  await writeTransaction(deps.db, (trx) =>
    ingestContact(trx, {
      orgId,
      contact: detail.external_contact,
      userid,
      follow,
      now: deps.clock.now(),
      // The member changed it in WeCom (our own writes are mirrored before this event, so they show no difference here).
      actor: staffActor(userid),
      dedupeKey: `cb:${event.id}`,
    }),
  )
  return 'processed'
}
