// Welcome message on a new customer (doc 92137): the code lives 20 s and works once.
import type { WecomCall } from './call'
import { WecomPaths } from './paths'
import type { BaseResponse } from './types'
import type { SendWelcomeMsgRequest } from './welcome.types'

export function welcomeApi(call: WecomCall) {
  return {
    send: async (req: SendWelcomeMsgRequest): Promise<void> => {
      // once: the code works once, so a call that may have reached WeCom (a timeout) is never repeated.
      await call<BaseResponse>({ method: 'POST', path: WecomPaths.Welcome.send, body: req, once: true })
    },
  }
}
