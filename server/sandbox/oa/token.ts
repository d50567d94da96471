// stable_token: normal mode hands every caller the same token until it nears expiry; force_refresh replaces it (≥ 30 s apart, ≤ 20/day).
import { randomBytes } from 'node:crypto'
import type { SandboxContext } from '../context'
import type { OaEndpoint } from './endpoint'
import { OaError } from './errors'
import type { OaAccountState, OaToken } from './state'

/** The platform rotates this long before expiry, and both tokens stay valid meanwhile, so expires_in ≥ 300. */
export const ROTATE_BEFORE_MS = 300_000
export const FORCE_GAP_MS = 30_000
export const FORCE_PER_DAY = 20
const DAY_MS = 86_400_000

function newToken(ctx: SandboxContext, account: OaAccountState, now: number): OaToken {
  const t: OaToken = { token: randomBytes(96).toString('base64url'), appid: account.appid, expires_at: now + ctx.tokenTtlSec * 1000 }
  ctx.state.oa.tokens.set(t.token, t)
  account.currentToken = t.token
  ctx.changed()
  return t
}

function current(ctx: SandboxContext, account: OaAccountState, now: number): OaToken | undefined {
  const t = account.currentToken ? ctx.state.oa.tokens.get(account.currentToken) : undefined
  return t && t.expires_at > now ? t : undefined
}

export function normalToken(ctx: SandboxContext, account: OaAccountState, now: number): OaToken {
  const t = current(ctx, account, now)
  // Inside the rotation window a new token is issued; the old one keeps working until its own expiry.
  if (t && t.expires_at - now > ROTATE_BEFORE_MS) return t
  return newToken(ctx, account, now)
}

export function forceToken(ctx: SandboxContext, account: OaAccountState, now: number): OaToken {
  account.forceRefreshes = account.forceRefreshes.filter((at) => now - at < DAY_MS)
  const last = account.forceRefreshes.at(-1)
  if (last !== undefined && now - last < FORCE_GAP_MS) throw new OaError(45011, 'force_refresh at most once per 30 seconds')
  if (account.forceRefreshes.length >= FORCE_PER_DAY) throw new OaError(45009, 'force_refresh daily limit')
  account.forceRefreshes.push(now)
  // Force mode invalidates every earlier token of the account at once.
  for (const [token, t] of ctx.state.oa.tokens) if (t.appid === account.appid) ctx.state.oa.tokens.delete(token)
  return newToken(ctx, account, now)
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined
}

export const tokenEndpoints: OaEndpoint[] = [
  {
    path: '/cgi-bin/stable_token',
    method: 'POST',
    anonymous: true,
    handle({ ctx, body, now, req }) {
      if (body.grant_type !== 'client_credential') throw new OaError(40002)
      const appid = str(body.appid)
      const secret = str(body.secret)
      if (!appid) throw new OaError(41002)
      if (!secret) throw new OaError(41004)
      const account = ctx.state.oa.accounts.get(appid)
      if (!account) throw new OaError(40013)
      if (account.secret !== secret) throw new OaError(40125)
      const ip = (req.ip ?? '').replace(/^::ffff:/, '')
      if (account.ipWhitelist && !account.ipWhitelist.includes(ip)) {
        throw new OaError(40164, `invalid ip ${ip} ipv6 ::ffff:${ip}, not in whitelist`)
      }
      const force = body.force_refresh === true || body.force_refresh === 'true'
      const t = force ? forceToken(ctx, account, now) : normalToken(ctx, account, now)
      return { access_token: t.token, expires_in: Math.max(1, Math.floor((t.expires_at - now) / 1000)) }
    },
  },
]
