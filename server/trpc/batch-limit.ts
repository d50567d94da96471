// Express guard in front of /trpc: caps how many calls one batch request carries and keeps password checks out of batches.
import type { NextFunction, Request, Response } from 'express'

export const MAX_BATCH_CALLS = 10

/** Procedures that never travel in a batch, not even a batch of one: one HTTP request, one password guess. */
export const UNBATCHABLE: ReadonlySet<string> = new Set(['auth.login', 'auth.changePassword'])

/**
 * Reads the procedure list of `/trpc/a,b,c?batch=1` (GET or POST) the way the tRPC adapter does: the last path segment,
 * URL-decoded (so `%2C` counts as a comma), split on commas when `batch=1`.
 */
export function batchLimit(maxCalls = MAX_BATCH_CALLS) {
  return (req: Request, res: Response, next: NextFunction) => {
    const url = new URL(req.originalUrl, 'http://local')
    if (url.searchParams.get('batch') !== '1') return next()
    let path: string
    try {
      path = decodeURIComponent(req.path.slice(req.path.lastIndexOf('/') + 1))
    } catch {
      // tRPC itself answers a malformed path with 400.
      return next()
    }
    const calls = path.split(',')
    if (calls.length > maxCalls) {
      res.status(413).json(refusal(calls, 413, `一次批量请求最多 ${maxCalls} 个调用，本次有 ${calls.length} 个`))
      return
    }
    // The admin client sends these unbatched (web/src/trpc.ts splits them off), so a batch holding one is a script.
    const alone = calls.find((c) => UNBATCHABLE.has(c))
    if (alone) {
      res.status(400).json(refusal(calls, 400, `${alone} 不能放在批量请求中，请单独发送`))
      return
    }
    next()
  }
}

/** A tRPC batch answer (one error per call), so the client shows the message on each call it made. */
function refusal(calls: string[], status: 400 | 413, message: string) {
  const code = status === 413 ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST'
  return calls.map((path) => ({ error: { message, code: status === 413 ? -32013 : -32600, data: { code, httpStatus: status, path } } }))
}
