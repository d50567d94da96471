// Member OAuth (auth/getuserinfo with single-use 5-minute codes) and JS-SDK tickets for wx.config / wx.agentConfig.
import { randomBytes } from 'node:crypto'
import type { SandboxContext } from '../context'
import { WecomError, invalidParam } from '../errors'
import type { CorpState, OAuthCode, Ticket } from '../state'
import type { Endpoint } from './endpoint'

export const OAUTH_CODE_TTL_MS = 5 * 60_000
const TICKET_TTL_MS = 7200_000

/** What the browser would bring back from the authorize page: a code for a member, or for a non-member visitor. */
export function issueOAuthCode(
  ctx: SandboxContext,
  corp: CorpState,
  who: { userid?: string; openid?: string; external_userid?: string },
  now: number,
): OAuthCode {
  if (corp.oauthCodes.size > 10_000) {
    for (const [k, c] of corp.oauthCodes) if (c.used || now - c.issued_at > OAUTH_CODE_TTL_MS) corp.oauthCodes.delete(k)
  }
  const code: OAuthCode = { code: ctx.state.ids.next('', 43), ...who, issued_at: now, used: false }
  corp.oauthCodes.set(code.code, code)
  return code
}

/** ≤ 400 ticket fetches per hour per corp and ≤ 100 per app. */
function countTicketFetch(corp: CorpState, agentid: number | null, now: number): void {
  const hour = Math.floor(now / 3600_000)
  const w = corp.ticketWindow
  if (w.hour !== hour) {
    w.hour = hour
    w.corp = 0
    w.agents.clear()
  }
  if (w.corp >= 400) throw new WecomError(45009, 'jsapi_ticket: at most 400 fetches per hour per corp')
  if (agentid !== null && (w.agents.get(agentid) ?? 0) >= 100)
    throw new WecomError(45009, 'jsapi_ticket: at most 100 fetches per hour per app')
  w.corp++
  if (agentid !== null) w.agents.set(agentid, (w.agents.get(agentid) ?? 0) + 1)
}

function currentTicket(existing: Ticket | null | undefined, now: number): Ticket {
  if (existing && existing.expires_at > now) return existing
  return { ticket: randomBytes(64).toString('base64url'), expires_at: now + TICKET_TTL_MS }
}

export const authEndpoints: Endpoint[] = [
  {
    name: 'auth/getuserinfo',
    method: 'GET',
    // A valid code is exempt from the frequency limit; failures count.
    rateLimit: 'errors',
    mutates: true,
    handle({ corp, query, now }) {
      const codeText = query('code')
      if (!codeText) throw new WecomError(41008)
      const code = corp.oauthCodes.get(codeText)
      if (!code || code.used || now - code.issued_at > OAUTH_CODE_TTL_MS) throw new WecomError(40029)
      code.used = true
      if (code.userid) return { userid: code.userid }
      const out: Record<string, unknown> = { openid: code.openid }
      if (code.external_userid) out.external_userid = code.external_userid
      return out
    },
  },
  {
    name: 'get_jsapi_ticket',
    method: 'GET',
    mutates: true,
    handle({ corp, now }) {
      countTicketFetch(corp, null, now)
      corp.jsapiTicket = currentTicket(corp.jsapiTicket, now)
      return { ticket: corp.jsapiTicket.ticket, expires_in: Math.floor((corp.jsapiTicket.expires_at - now) / 1000) }
    },
  },
  {
    name: 'ticket/get',
    method: 'GET',
    mutates: true,
    handle({ corp, app, query, now }) {
      if (query('type') !== 'agent_config') throw invalidParam('field `type` must be agent_config')
      countTicketFetch(corp, app.agentid, now)
      const ticket = currentTicket(corp.agentTickets.get(app.agentid), now)
      corp.agentTickets.set(app.agentid, ticket)
      return { ticket: ticket.ticket, expires_in: Math.floor((ticket.expires_at - now) / 1000) }
    },
  },
]
