// HTTP transport for platform callbacks at <prefix>/:key: the fast path for POSTs, the Express routes (GET, and POST where no fast path runs), body limits.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { parse as parseQuery } from 'node:querystring'
import express, { Router, type Request, type Response } from 'express'
import type { FastPath } from './fast-path'

export interface CallbackAnswer {
  status: number
  text: string
}

export type CallbackQuery = Record<string, unknown>

/** What a platform's callback endpoint does with a request once the transport has read it. */
export interface CallbackReceiver {
  /** A POSTed event (the body as text). */
  accept(key: string, query: CallbackQuery, body: string): Promise<CallbackAnswer>
  /** URL verification (GET). */
  verify(key: string, query: CallbackQuery): Promise<CallbackAnswer>
  /** A request the transport answered itself (body over the limit, unreadable), so the receiver can count and log it. */
  refused(key: string, status: number, reason: string): void
  /** accept() itself failed: the request is answered 500. */
  failed(err: unknown): void
}

export interface CallbackTransportOptions {
  /** e.g. '/api/wework/callback'; the key is the one path segment after it. */
  prefix: string
  /** Bodies longer than this are answered 413 before anything reads them as XML. */
  bodyLimitBytes: number
  /** Called once per answered request (fast path only: Express requests are timed by the metrics middleware). */
  observe?(status: number, seconds: number): void
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/** A body as UTF-8 text (a leading BOM dropped, as express.text does), or null once it exceeds `limit` bytes. */
export function readTextBody(req: IncomingMessage, limit: number, onTooLarge: () => void): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    let tooLarge = false
    const refuse = () => {
      tooLarge = true
      chunks.length = 0
      // Answered at once; what is still coming is read and dropped so the connection stays usable.
      onTooLarge()
      resolve(null)
    }
    if (Number(req.headers['content-length']) > limit) refuse()
    req.on('data', (chunk: Buffer) => {
      if (tooLarge) return
      size += chunk.length
      if (size > limit) refuse()
      else chunks.push(chunk)
    })
    req.on('error', reject)
    req.on('end', () => {
      if (!tooLarge)
        resolve(
          Buffer.concat(chunks)
            .toString('utf8')
            .replace(/^\uFEFF/, ''),
        )
    })
  })
}

/** GET (verification) and POST as Express routes; POSTs here too where the fast path is not installed (e.g. supertest). */
export function callbackRouter(receiver: CallbackReceiver, opts: CallbackTransportOptions): Router {
  const route = `${opts.prefix}/:key`
  const router = Router()
  const send = (res: Response, a: CallbackAnswer) => {
    // Platforms want the bare plaintext / 'success': no quotes, no newline.
    res.status(a.status).type(answerType(a.text)).send(a.text)
  }
  router.get(route, async (req: Request, res) => send(res, await receiver.verify(req.params.key as string, req.query)))
  router.post(route, express.text({ type: () => true, limit: opts.bodyLimitBytes }), async (req: Request, res) => {
    try {
      send(res, await receiver.accept(req.params.key as string, req.query, typeof req.body === 'string' ? req.body : ''))
    } catch (err) {
      receiver.failed(err)
      send(res, { status: 500, text: 'error' })
    }
  })
  // A body over the limit or unreadable: refused before anything is stored.
  router.use(opts.prefix, (err: Error & { status?: number }, req: Request, res: Response, next: (e?: unknown) => void) => {
    if (!err.status) return next(err)
    receiver.refused(decodeKey(req.path.split('/')[1] ?? '') ?? '', err.status, err.message)
    res.status(err.status).type('text/plain').send('refused')
  })
  return router
}

function decodeKey(raw: string): string | null {
  try {
    return decodeURIComponent(raw)
  } catch {
    return null
  }
}

/**
 * POSTs straight off the Node request, without Express and its middleware: a callback ack is the service's hottest
 * path, and Express alone costs several times what the callback itself does. Requests it cannot answer exactly as
 * the Express route would (other methods or paths, compressed bodies, other charsets, undecodable keys) go to Express.
 */
export function callbackFastPath(receiver: CallbackReceiver, opts: CallbackTransportOptions): FastPath {
  const path = new RegExp(`^${escapeRegExp(opts.prefix)}/([^/?#]+)(?:\\?(.*))?$`)
  return (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'POST') return false
    const m = path.exec(req.url ?? '')
    if (!m) return false
    const encoding = req.headers['content-encoding']
    if (encoding && encoding.toLowerCase() !== 'identity') return false
    const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(req.headers['content-type'] ?? '')?.[1]?.toLowerCase()
    if (charset && charset !== 'utf-8' && charset !== 'utf8') return false
    const key = decodeKey(m[1])
    if (key === null) return false
    const started = performance.now()
    const reply = (a: CallbackAnswer) => {
      if (res.headersSent) return
      res.writeHead(a.status, { 'Content-Type': `${answerType(a.text)}; charset=utf-8`, 'Content-Length': Buffer.byteLength(a.text) })
      res.end(a.text)
      opts.observe?.(a.status, (performance.now() - started) / 1000)
    }
    readTextBody(req, opts.bodyLimitBytes, () => {
      receiver.refused(key, 413, 'request entity too large')
      reply({ status: 413, text: 'refused' })
    }).then(
      (body) => {
        if (body === null) return
        receiver.accept(key, parseQuery(m[2] ?? ''), body).then(reply, (err: unknown) => {
          receiver.failed(err)
          reply({ status: 500, text: 'error' })
        })
      },
      () => res.destroy(),
    )
    return true
  }
}

/** 'success' and refusals are plain text; a passive reply (OA text messages) is XML. */
function answerType(text: string): string {
  return text.startsWith('<xml>') ? 'application/xml' : 'text/plain'
}
