// The Official Account dispatch table: one entry per (MsgType, Event); OA events carry no ChangeType.
import { keyOf, type HandlerTable } from '../handler'
import { recordOaEvent } from './record-oa-event'

export const oaHandlers: HandlerTable = {
  [keyOf('event', 'subscribe')]: recordOaEvent,
  [keyOf('event', 'SCAN')]: recordOaEvent,
  [keyOf('event', 'unsubscribe')]: recordOaEvent,
  [keyOf('event', 'TEMPLATESENDJOBFINISH')]: recordOaEvent,
  [keyOf('text')]: recordOaEvent,
}
