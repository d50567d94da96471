// The H5 page's short-lived signed session (org + openid) and the OAuth state bound to the browser that asked for it.
import { randomBytes, timingSafeEqual } from 'node:crypto'
import type { Request, Response } from 'express'
import type { Clock } from '../../lib/clock'
import type { SecretBox } from '../../lib/secret-box'
import { parseCookies } from '../auth/session-cookie'

export const H5_SESSION_COOKIE = 'crm_h5'
export const H5_STATE_COOKIE = 'crm_h5_state'
/** Long enough to read the code off the phone and bind; short enough that a lost phone's page does not stay signed in. */
export const H5_SESSION_TTL_MS = 30 * 60_000
/** The round trip through WeChat's authorize page. */
export const OAUTH_STATE_TTL_MS = 10 * 60_000

export interface H5Session {
  orgId: number
  openid: string
  expiresAt: number
}

const OPENID_RE = /^[A-Za-z0-9_-]{6,64}$/

function equalHex(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

export function signH5Session(secrets: SecretBox, s: H5Session): string {
  const body = `${s.orgId}.${s.openid}.${s.expiresAt}`
  return `${body}.${secrets.mac('h5-session', body)}`
}

export function verifyH5Session(secrets: SecretBox, token: string | undefined, nowMs: number): H5Session | null {
  if (!token || token.length > 300) return null
  const parts = token.split('.')
  if (parts.length !== 4) return null
  const [org, openid, exp, sig] = parts as [string, string, string, string]
  if (!/^\d{1,10}$/.test(org) || !OPENID_RE.test(openid) || !/^\d{1,15}$/.test(exp)) return null
  if (!equalHex(secrets.mac('h5-session', `${org}.${openid}.${exp}`), sig)) return null
  const expiresAt = Number(exp)
  if (expiresAt <= nowMs) return null
  return { orgId: Number(org), openid, expiresAt }
}

/**
 * OAuth state: WeChat allows only [A-Za-z0-9] up to 128 bytes, so the fields are joined by 'x' (absent from digits and
 * hex). The nonce is also set as a cookie and must come back with the state: a state minted in someone else's browser
 * cannot sign this browser in as that someone (who would then receive the victim's alerts after the victim binds).
 */
export function mintOAuthState(secrets: SecretBox, orgId: number, nowMs: number): { state: string; nonce: string } {
  const nonce = randomBytes(8).toString('hex')
  const body = `${orgId}x${Math.floor((nowMs + OAUTH_STATE_TTL_MS) / 1000)}x${nonce}`
  return { state: `${body}x${secrets.mac('h5-oauth-state', body).slice(0, 32)}`, nonce }
}

export type StateCheck = { ok: true; orgId: number } | { ok: false; reason: 'malformed' | 'tampered' | 'expired' | 'other_browser' }

export function checkOAuthState(secrets: SecretBox, state: string, cookieNonce: string | undefined, nowMs: number): StateCheck {
  const m = /^(\d{1,10})x(\d{1,12})x([0-9a-f]{16})x([0-9a-f]{32})$/.exec(state)
  if (!m) return { ok: false, reason: 'malformed' }
  const [, org, exp, nonce, sig] = m as unknown as [string, string, string, string, string]
  if (!equalHex(secrets.mac('h5-oauth-state', `${org}x${exp}x${nonce}`).slice(0, 32), sig)) return { ok: false, reason: 'tampered' }
  if (Number(exp) * 1000 <= nowMs) return { ok: false, reason: 'expired' }
  if (!cookieNonce || !equalHex(nonce, cookieNonce)) return { ok: false, reason: 'other_browser' }
  return { ok: true, orgId: Number(org) }
}

export function readH5Session(req: Request, secrets: SecretBox, clock: Clock): H5Session | null {
  return verifyH5Session(secrets, parseCookies(req.headers.cookie)[H5_SESSION_COOKIE], clock.now())
}

export function readStateNonce(req: Request): string | undefined {
  return parseCookies(req.headers.cookie)[H5_STATE_COOKIE]
}

/** httpOnly, SameSite=Lax (the OAuth redirect back is a top-level GET), Secure on https; maxAge so the phone's clock does not matter. */
export function setH5Cookie(res: Response, name: string, value: string, maxAgeMs: number, secure: boolean): void {
  res.cookie(name, value, { httpOnly: true, sameSite: 'lax', secure, path: '/', maxAge: maxAgeMs })
}

export function clearH5Cookie(res: Response, name: string, secure: boolean): void {
  res.clearCookie(name, { httpOnly: true, sameSite: 'lax', secure, path: '/' })
}
