// The customer detail behind a customer-contact event (all follow_user pages); a customer WeCom no longer knows is final.
import { PlatformError } from '../../../../platform/errors'
import type { WecomClient } from '../../../../platform/wecom/client'
import type { GetExternalContactResponse } from '../../../../platform/wecom/external-contact.types'
import { PermanentJobError } from '../../../../queue/queue'

/** 40096: no such external_userid; 84061: nobody in the corp follows them any more. Retrying cannot change either. */
const GONE = new Set([40096, 84061])

export async function fetchCustomerDetail(
  client: Pick<WecomClient, 'externalContact'>,
  externalUserid: string,
): Promise<GetExternalContactResponse> {
  try {
    return await client.externalContact.get(externalUserid)
  } catch (err) {
    if (err instanceof PlatformError && GONE.has(err.errcode))
      throw new PermanentJobError(`customer ${externalUserid} is no longer reachable: ${err.message}`)
    throw err
  }
}
