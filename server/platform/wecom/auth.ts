// H5 member OAuth (code → identity) and JS-SDK tickets (doc 91023, 96909).
import type { WecomCall } from './call'
import { WecomPaths } from './paths'
import { JsapiTicketResponse, type GetUserInfoResponse } from './auth.types'

export function authApi(call: WecomCall) {
  return {
    /** The code is single-use and expires after 5 min (40029 otherwise). */
    getUserInfo: (code: string) => call<GetUserInfoResponse>({ method: 'GET', path: WecomPaths.Auth.getUserInfo, query: { code } }),
  }
}

/** Tickets are capped at 400/h per corp and 100/h per app: cache them, never fetch per page view. */
export function jsapiApi(call: WecomCall) {
  return {
    /** Corp ticket, for wx.config. */
    getTicket: () => call({ method: 'GET', path: WecomPaths.Jsapi.getCorpTicket, schema: JsapiTicketResponse }),
    /** App ticket, for wx.agentConfig. */
    getAgentTicket: () =>
      call({ method: 'GET', path: WecomPaths.Jsapi.getAgentTicket, query: { type: 'agent_config' }, schema: JsapiTicketResponse }),
  }
}
