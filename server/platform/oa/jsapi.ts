// The JS-SDK ticket: fetched once, cached until shortly before expiry, one fetch in flight however many pages ask.
import type { Clock } from '../../lib/clock'
import type { OaCall } from './call'
import { JsapiTicketResponse } from './jsapi.types'
import { OaPaths } from './paths'

/** A ticket this close to expiry is fetched again, so a page never signs with one about to die. */
const MARGIN_MS = 5 * 60_000

export function jsapiApi(call: OaCall, clock: Clock) {
  let cached: { ticket: string; expiresAt: number } | undefined
  let inflight: Promise<string> | undefined

  const fetchTicket = () => call({ method: 'GET', path: OaPaths.Jsapi.getTicket, query: { type: 'jsapi' }, schema: JsapiTicketResponse })

  return {
    /** The raw exchange; the quota is small, so pages use getTicket. */
    fetchTicket,
    /** The cached ticket (the quota is small: never fetched per page view). */
    getTicket(): Promise<string> {
      if (cached && cached.expiresAt - MARGIN_MS > clock.now()) return Promise.resolve(cached.ticket)
      inflight ??= fetchTicket()
        .then((res) => {
          cached = { ticket: res.ticket, expiresAt: clock.now() + res.expires_in * 1000 }
          return res.ticket
        })
        .finally(() => {
          inflight = undefined
        })
      return inflight
    },
    /** Drop the cached ticket (e.g. after wx.config reported an invalid signature with a fresh one). */
    forget(): void {
      cached = undefined
    },
  }
}
