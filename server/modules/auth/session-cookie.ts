// Reads and writes the session cookie (httpOnly, SameSite=Lax, Secure on https).
import type { Request, Response } from 'express'
import type { Clock } from '../../lib/clock'

export const SESSION_COOKIE = 'crm_sid'

export interface SessionCookieWriter {
  token: string | null
  set(token: string, expiresAt: number): void
  clear(): void
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  if (!header) return out
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq <= 0) continue
    const k = part.slice(0, eq).trim()
    try {
      out[k] = decodeURIComponent(part.slice(eq + 1).trim())
    } catch {
      /* a malformed cookie is ignored, not fatal */
    }
  }
  return out
}

/** `httpsOrigin`: the public URL is https, so the cookie is Secure even when a proxy in front hides that from req.secure. */
export function readSessionCookie(req: Request, res: Response, clock: Clock, httpsOrigin = false): SessionCookieWriter {
  const token = parseCookies(req.headers.cookie)[SESSION_COOKIE] ?? null
  const secure = req.secure || httpsOrigin
  return {
    token: token && /^[A-Za-z0-9_-]{20,100}$/.test(token) ? token : null,
    set(value, expiresAt) {
      // maxAge, not expires: the browser's clock may differ from ours.
      res.cookie(SESSION_COOKIE, value, {
        httpOnly: true,
        sameSite: 'lax',
        secure,
        path: '/',
        maxAge: Math.max(0, expiresAt - clock.now()),
      })
    },
    clear() {
      res.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'lax', secure, path: '/' })
    },
  }
}
