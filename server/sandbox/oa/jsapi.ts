// ticket/getticket?type=jsapi: one ticket per account, the same one while valid (7200 s).
import { randomBytes } from 'node:crypto'
import type { OaEndpoint } from './endpoint'
import { OaError } from './errors'

export const JSAPI_TICKET_TTL_SEC = 7200

export const jsapiEndpoints: OaEndpoint[] = [
  {
    path: '/cgi-bin/ticket/getticket',
    method: 'GET',
    handle({ ctx, account, query, now }) {
      if (query('type') !== 'jsapi') throw new OaError(40097, 'type must be jsapi')
      let t = account.jsapiTicket
      if (!t || t.expires_at <= now) {
        t = { ticket: randomBytes(64).toString('base64url'), expires_at: now + JSAPI_TICKET_TTL_SEC * 1000 }
        account.jsapiTicket = t
        ctx.changed()
      }
      return { errcode: 0, errmsg: 'ok', ticket: t.ticket, expires_in: Math.max(1, Math.floor((t.expires_at - now) / 1000)) }
    },
  },
]
