// tRPC context: an inner builder on plain dependencies (tests) and the Express wrapper (HTTP).
import type { Request, Response } from 'express'
import type { Deps } from '../deps'
import { readSessionCookie, type SessionCookieWriter } from '../modules/auth/session-cookie'
import { resolveSession, type SessionUser } from '../modules/auth/auth.service'
import { readH5Session, type H5Session } from '../modules/h5-binding/h5-session'

export interface Context {
  deps: Deps
  user: SessionUser | null
  /** The staff H5 page's session (org + openid), separate from the admin session. */
  h5: H5Session | null
  ip: string
  userAgent: string
  cookies: SessionCookieWriter
  /** The request id (X-Request-Id), quoted in masked internal errors. */
  reqId: string
  /** Sets a response header (Retry-After); a no-op without HTTP. */
  setHeader: (name: string, value: string) => void
  /** Aborts when the browser gives up on the request (dialog closed, page left); platform calls stop before the next attempt. */
  signal?: AbortSignal
}

export interface InnerContextInput {
  deps: Deps
  user?: SessionUser | null
  h5?: H5Session | null
  ip?: string
  userAgent?: string
  cookies?: SessionCookieWriter
  reqId?: string
  setHeader?: (name: string, value: string) => void
  signal?: AbortSignal
}

const noCookies: SessionCookieWriter = { set: () => {}, clear: () => {}, token: null }

export function createContextInner(input: InnerContextInput): Context {
  return {
    deps: input.deps,
    user: input.user ?? null,
    h5: input.h5 ?? null,
    ip: input.ip ?? '127.0.0.1',
    userAgent: input.userAgent ?? 'test',
    cookies: input.cookies ?? noCookies,
    reqId: input.reqId ?? 'test',
    setHeader: input.setHeader ?? (() => {}),
    signal: input.signal,
  }
}

export async function createExpressContext(deps: Deps, req: Request, res: Response): Promise<Context> {
  const cookies = readSessionCookie(req, res, deps.clock, deps.config.publicBaseUrl.startsWith('https://'))
  const user = cookies.token ? await resolveSession(deps, cookies.token, cookies) : null
  return createContextInner({
    deps,
    user,
    h5: readH5Session(req, deps.secrets, deps.clock),
    ip: req.ip ?? '',
    userAgent: String(req.headers['user-agent'] ?? '').slice(0, 255),
    cookies,
    reqId: String(res.getHeader('X-Request-Id') ?? ''),
    setHeader: (name, value) => {
      if (!res.headersSent) res.setHeader(name, value)
    },
    signal: abandonSignal(res),
  })
}

/**
 * Aborts when the connection closes before the answer was written: the browser left. (The request's own 'close' fires
 * once its body has been read, so the response is the one to watch.)
 */
export function abandonSignal(res: Response): AbortSignal {
  const controller = new AbortController()
  res.once('close', () => {
    if (!res.writableFinished) controller.abort()
  })
  return controller.signal
}
