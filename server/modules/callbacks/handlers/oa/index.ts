// The Official Account dispatch table: one entry per (MsgType, Event); OA events carry no ChangeType.
import { keyOf, type HandlerTable } from '../handler'
import { fanFollowed } from './fan-follow'
import { fanUnfollowed } from './fan-unfollowed'
import { recordOaEvent } from './record-oa-event'
import { templateSendFinished } from './template-send-finished'

export const oaHandlers: HandlerTable = {
  [keyOf('event', 'subscribe')]: fanFollowed,
  [keyOf('event', 'SCAN')]: fanFollowed,
  [keyOf('event', 'unsubscribe')]: fanUnfollowed,
  [keyOf('event', 'TEMPLATESENDJOBFINISH')]: templateSendFinished,
  [keyOf('text')]: recordOaEvent,
}
