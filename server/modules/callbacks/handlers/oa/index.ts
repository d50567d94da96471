// The Official Account dispatch table: one entry per (MsgType, Event); OA events carry no ChangeType.
import { keyOf, type HandlerTable } from '../handler'
import { recordOaEvent } from './record-oa-event'
import { templateSendFinished } from './template-send-finished'

export const oaHandlers: HandlerTable = {
  [keyOf('event', 'subscribe')]: recordOaEvent,
  [keyOf('event', 'SCAN')]: recordOaEvent,
  [keyOf('event', 'unsubscribe')]: recordOaEvent,
  [keyOf('event', 'TEMPLATESENDJOBFINISH')]: templateSendFinished,
  [keyOf('text')]: recordOaEvent,
}
