// del_external_contact: the member removed the customer (or an on-the-job transfer did); the relation is marked deleted.
import { field } from '../../../../platform/xml'
import { PermanentJobError } from '../../../../queue/queue'
import { endFollow } from '../../../customers/customers.ingest'
import { writeTransaction } from '../../../../db/transaction'
import type { CallbackHandler } from '../handler'

export const delExternalContact: CallbackHandler = async ({ deps, orgId, event, doc }) => {
  const userid = field(doc, 'UserID')
  const externalUserid = field(doc, 'ExternalUserID')
  if (!userid || !externalUserid) throw new PermanentJobError('del_external_contact without UserID or ExternalUserID')
  // customer_follows has no column for it; the Source stays in the stored event and the log.
  const source = field(doc, 'Source')
  const res = await writeTransaction(deps.db, (trx) =>
    endFollow(trx, {
      dedupeKey: `cb:${event.id}`,
      orgId,
      externalUserid,
      userid,
      status: 'deleted',
      atMs: Number(event.create_time),
      now: deps.clock.now(),
    }),
  )
  deps.log.info(
    { orgId, eventId: event.id, userid, source: source || undefined, known: !!res, changed: res?.changed },
    'member removed a customer',
  )
  // A relation we never stored needs nothing.
  return res ? 'processed' : 'ignored'
}
