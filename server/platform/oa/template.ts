// Template messages (服务号): the account's private templates and the send call.
import type { OaCall } from './call'
import { OaPaths } from './paths'
import { ListTemplatesResponse, SendTemplateResponse, type SendTemplateRequest } from './template.types'

export function templateApi(call: OaCall) {
  return {
    list: () => call({ method: 'GET', path: OaPaths.Template.list, schema: ListTemplatesResponse }),
    /**
     * Never repeated after an unclear failure; the caller resends with the same client_msg_id, which the platform
     * de-duplicates for 10 minutes. 43004: the recipient does not follow the account (not retryable).
     */
    send: (msg: SendTemplateRequest) => {
      if (!msg.client_msg_id) throw new TypeError('template send needs a client_msg_id')
      return call({ method: 'POST', path: OaPaths.Template.send, body: msg, once: true, schema: SendTemplateResponse })
    },
  }
}
