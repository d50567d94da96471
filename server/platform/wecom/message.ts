// App messages to members (doc 90236): text, textcard, news, text_notice cards.
import type { WecomCall } from './call'
import { WecomPaths } from './paths'
import type { AppMessage, SendMessageResponse } from './message.types'

export function messageApi(call: WecomCall) {
  return {
    /** Partial failures come back in invaliduser/invalidparty/invalidtag; never repeated on an ambiguous failure. */
    send: (msg: AppMessage) => call<SendMessageResponse>({ method: 'POST', path: WecomPaths.Message.send, body: msg, once: true }),
  }
}
