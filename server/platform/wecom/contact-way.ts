// 「联系我」 contact ways (doc path/92228; fact sheet A.3).
import type { WecomCall } from './call'
import { walkCursor } from './cursor'
import { WecomPaths } from './paths'
import type { BaseResponse } from './types'
import type {
  AddContactWayRequest,
  AddContactWayResponse,
  CloseTempChatRequest,
  GetContactWayResponse,
  ListContactWayRequest,
  ListContactWayResponse,
  UpdateContactWayRequest,
} from './contact-way.types'

const P = WecomPaths.ContactWay

export function contactWayApi(call: WecomCall) {
  const list = (req: ListContactWayRequest = {}) => call<ListContactWayResponse>({ method: 'POST', path: P.list, body: req })
  return {
    /** Persist config_id: it is the only handle for update and delete. */
    // once: a repeat after an unclear failure (timeout, 5xx) could create a second contact way at WeCom.
    add: (req: AddContactWayRequest) => call<AddContactWayResponse>({ method: 'POST', path: P.add, body: req, once: true }),
    get: (configId: string) => call<GetContactWayResponse>({ method: 'POST', path: P.get, body: { config_id: configId } }),
    list,
    /** Every config_id in the window, across pages. */
    async *iterate(req: Omit<ListContactWayRequest, 'cursor'> = {}): AsyncGenerator<string> {
      for await (const page of walkCursor((cursor) => list({ ...req, cursor }))) for (const w of page.contact_way) yield w.config_id
    },
    update: async (req: UpdateContactWayRequest): Promise<void> => {
      await call<BaseResponse>({ method: 'POST', path: P.update, body: req })
    },
    del: async (configId: string): Promise<void> => {
      await call<BaseResponse>({ method: 'POST', path: P.del, body: { config_id: configId } })
    },
    closeTempChat: async (req: CloseTempChatRequest): Promise<void> => {
      await call<BaseResponse>({ method: 'POST', path: P.closeTempChat, body: req })
    },
  }
}
