// OA follow, scan, unfollow, template-finished and text events: recorded (processed) for now; their effects come with the employee binding.
import type { CallbackHandler } from '../handler'

export const recordOaEvent: CallbackHandler = async ({ deps, orgId, event }) => {
  deps.log.debug({ orgId, eventId: event.id, msgType: event.msg_type, event: event.event }, 'oa callback recorded')
  return 'processed'
}
