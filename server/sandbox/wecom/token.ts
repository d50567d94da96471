// gettoken: one token per app, the same one while valid, with WeCom's error precedence for corpid and secret.
import { randomBytes } from 'node:crypto'
import type { SandboxContext } from '../context'
import { WecomError } from '../errors'
import type { AccessToken, CorpState, SandboxApp } from '../state'
import type { Endpoint } from './endpoint'

/** The app's current token, or a new one when there is none or it has expired. */
export function issueToken(ctx: SandboxContext, corp: CorpState, app: SandboxApp, now: number): AccessToken {
  const key = `${corp.corpid}/${app.agentid}`
  const current = ctx.state.appTokens.get(key)
  const existing = current ? ctx.state.tokens.get(current) : undefined
  if (existing && existing.expires_at > now) return existing
  const token: AccessToken = {
    // Real tokens are opaque and long; clients must reserve ≥ 512 bytes, so do not make them short.
    token: randomBytes(96).toString('base64url'),
    corpid: corp.corpid,
    agentid: app.agentid,
    expires_at: now + ctx.tokenTtlSec * 1000,
  }
  ctx.state.tokens.set(token.token, token)
  ctx.state.appTokens.set(key, token.token)
  ctx.changed()
  return token
}

export const tokenEndpoints: Endpoint[] = [
  {
    name: 'gettoken',
    method: 'GET',
    anonymous: true,
    handle({ ctx, query, now }) {
      const corpid = query('corpid')
      const secret = query('corpsecret')
      if (!corpid) throw new WecomError(41002)
      if (!secret) throw new WecomError(41004)
      const corp = ctx.state.corps.get(corpid)
      if (!corp) throw new WecomError(40013)
      if (!ctx.limiter.take(`${corp.corpid} gettoken`, now)) throw new WecomError(45009)
      const app = corp.apps.find((a) => a.secret === secret)
      if (!app) {
        for (const other of ctx.state.corps.values()) {
          if (other !== corp && other.apps.some((a) => a.secret === secret)) throw new WecomError(40091)
        }
        throw new WecomError(40001)
      }
      const token = issueToken(ctx, corp, app, now)
      return { access_token: token.token, expires_in: Math.max(1, Math.floor((token.expires_at - now) / 1000)) }
    },
  },
]
