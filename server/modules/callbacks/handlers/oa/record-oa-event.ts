// OA template-finished and text events: recorded (a text gets its passive reply at the endpoint; deliveries are closed by the notifications).
import type { CallbackHandler } from '../handler'

export const recordOaEvent: CallbackHandler = async ({ deps, orgId, event }) => {
  deps.log.debug({ orgId, eventId: event.id, msgType: event.msg_type, event: event.event }, 'oa callback recorded')
  return 'processed'
}
