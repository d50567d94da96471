// Guards for operator-only routes (/metrics, the sandbox control API): a bearer token, or a direct loopback client.
import { createHash, timingSafeEqual } from 'node:crypto'
import type { NextFunction, Request, RequestHandler, Response } from 'express'

/** The socket's peer is this machine. Takes the socket address, never req.ip: X-Forwarded-For must not unlock anything. */
export function isLoopbackAddress(address: string | undefined | null): boolean {
  if (!address) return false
  const a = address.toLowerCase()
  if (a === '::1' || a === '0:0:0:0:0:0:0:1') return true
  const v4 = a.startsWith('::ffff:') ? a.slice(7) : a
  return /^127(\.\d{1,3}){3}$/.test(v4)
}

/**
 * Loopback socket and no proxy headers. A reverse proxy on the same host connects from 127.0.0.1 on behalf of anyone, so
 * a request that says it was forwarded is treated as remote whatever its socket.
 */
export function isDirectLoopback(req: Request): boolean {
  if (req.headers['x-forwarded-for'] !== undefined || req.headers.forwarded !== undefined || req.headers['x-real-ip'] !== undefined)
    return false
  return isLoopbackAddress(req.socket.remoteAddress)
}

/** Constant-time comparison; hashing first makes the lengths equal, so the length of the secret does not leak either. */
export function tokenEquals(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest()
  const b = createHash('sha256').update(expected).digest()
  return timingSafeEqual(a, b) && given.length === expected.length
}

/** The token a request presents: `Authorization: Bearer …`, or one of `headerNames` (e.g. x-sandbox-token). */
export function presentedToken(req: Request, headerNames: string[] = []): string | null {
  const auth = req.headers.authorization
  if (auth) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth)
    if (m) return m[1]!
  }
  for (const name of headerNames) {
    const v = req.headers[name.toLowerCase()]
    if (typeof v === 'string' && v.trim()) return v.trim()
  }
  return null
}

export interface GuardOptions {
  /** Null: no token can be used, only direct loopback clients pass. */
  token: string | null
  /** With a token configured, do loopback clients still need it? /metrics: yes (one rule for every scraper); sandbox: no. */
  loopbackWithoutToken: boolean
  headerNames?: string[]
  realm: string
}

/** 401 when a token would help (none or a wrong one presented), 403 when only loopback could pass. */
export function tokenOrLoopback(opts: GuardOptions): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const given = presentedToken(req, opts.headerNames)
    if (opts.token && given !== null && tokenEquals(given, opts.token)) return next()
    if ((!opts.token || opts.loopbackWithoutToken) && given === null && isDirectLoopback(req)) return next()
    if (!opts.token) {
      res.status(403).json({ error: `${opts.realm} 只接受本机请求` })
      return
    }
    res.setHeader('WWW-Authenticate', `Bearer realm="${opts.realm}"`)
    res.status(401).json({ error: given === null ? `${opts.realm} 需要令牌` : `${opts.realm} 令牌无效` })
  }
}
