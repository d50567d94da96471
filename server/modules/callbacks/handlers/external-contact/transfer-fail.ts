// transfer_fail: an on-the-job transfer of a customer failed (customer_refused / customer_limit_exceed); recorded and logged.
import { field } from '../../../../platform/xml'
import type { CallbackHandler } from '../handler'

export const transferFail: CallbackHandler = async ({ deps, orgId, event, doc }) => {
  // The stored event is the record; the relation itself did not change, so there is nothing to write.
  deps.log.warn(
    {
      orgId,
      eventId: event.id,
      userid: field(doc, 'UserID'),
      externalUserid: field(doc, 'ExternalUserID'),
      reason: field(doc, 'FailReason'),
    },
    'customer transfer failed',
  )
  return 'processed'
}
