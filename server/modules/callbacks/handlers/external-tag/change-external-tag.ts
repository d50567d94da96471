// change_external_tag (create / update / delete / shuffle): the event names one tag or group, a full resync is simplest and exact.
import { syncCorpTags } from '../../../tags/tags.service'
import type { CallbackHandler } from '../handler'

export const changeExternalTag: CallbackHandler = async ({ deps, orgId }) => {
  await syncCorpTags(deps, orgId)
  return 'processed'
}
