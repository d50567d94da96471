// Raw WeCom callback route: verify, decrypt, check receiveid, strict XML, store + enqueue (group commit), ack; POST also served ahead of Express.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { parse as parseQuery } from 'node:querystring'
import express, { Router, type Request, type Response } from 'express'
import type { Deps } from '../../deps'
import type { Metrics } from '../../http/metrics'
import type { FastPath } from '../../http/fast-path'
import { CallbackCryptoError, decryptMessage, verifyMsgSignature } from '../../platform/crypto'
import { field, XmlError } from '../../platform/xml'
import { CallbackCredentialCache, type CallbackCredentials } from '../wecom-config/wecom-config.repository'
import { CallbackStore } from './callback-store'
import { parseCallbackXml } from './flat-xml'

export { CALLBACK_JOB } from './callback-store'

/** Callbacks whose timestamp is further than this from our clock are refused (replays). */
export const CALLBACK_WINDOW_MS = 5 * 60_000
/** As express.text's '1mb'. */
const BODY_LIMIT_BYTES = 1024 * 1024
const ROUTE = '/api/wework/callback/:key'
const POST_PATH = /^\/api\/wework\/callback\/([^/?#]+)(?:\?(.*))?$/

class Refused extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

interface SignedQuery {
  signature: string
  timestamp: string
  nonce: string
}

interface Answer {
  status: number
  text: string
}

type Query = Record<string, unknown>

function signedQuery(q: Query, deps: Deps): SignedQuery {
  const signature = typeof q.msg_signature === 'string' ? q.msg_signature : ''
  const timestamp = typeof q.timestamp === 'string' ? q.timestamp : ''
  const nonce = typeof q.nonce === 'string' ? q.nonce : ''
  if (!signature || !/^\d{1,12}$/.test(timestamp) || !nonce) throw new Refused(400, 'missing msg_signature, timestamp or nonce')
  if (Math.abs(deps.clock.now() - Number(timestamp) * 1000) > CALLBACK_WINDOW_MS) throw new Refused(403, 'timestamp outside the accepted window')
  return { signature, timestamp, nonce }
}

/** Signature first, then decrypt: a wrong key decrypts to garbage instead of failing. */
function open(creds: CallbackCredentials, q: SignedQuery, encrypted: string): string {
  if (!verifyMsgSignature(creds.token, q.timestamp, q.nonce, encrypted, q.signature)) throw new Refused(403, 'bad msg_signature')
  try {
    return decryptMessage(creds.encodingAesKey, encrypted, creds.corpId).message
  } catch (err) {
    if (err instanceof CallbackCryptoError) throw new Refused(403, err.message)
    throw err
  }
}

/**
 * One receiver per process: the credential cache and the group-commit store are shared by the Express route (GET URL
 * verification, and POST wherever the fast path is not installed, e.g. supertest) and the fast path. Both answer
 * POSTs through accept(), so they behave the same.
 */
export class WecomCallbackReceiver {
  private readonly creds: CallbackCredentialCache
  private readonly store: CallbackStore

  constructor(
    private readonly deps: Deps,
    private readonly metrics?: Metrics,
  ) {
    this.creds = new CallbackCredentialCache(deps.db, deps.secrets, () => deps.clock.now())
    this.store = new CallbackStore(deps, (stored, duplicates) => {
      if (stored > 0) this.count('stored', stored)
      if (duplicates > 0) this.count('duplicate', duplicates)
    })
  }

  /** A POSTed event: refused with a 4xx storing nothing, 500 on our own failure (WeCom retries), else stored and 'success'. */
  async accept(key: string, query: Query, body: string): Promise<Answer> {
    try {
      const c = await this.creds.get(key)
      if (!c) throw new Refused(404, 'unknown callback key')
      const q = signedQuery(query, this.deps)
      const encrypted = field(parseCallbackXml(body), 'Encrypt')
      if (!encrypted) throw new Refused(400, 'no Encrypt element')
      const plaintext = open(c, q, encrypted)
      const doc = parseCallbackXml(plaintext)
      if (!field(doc, 'MsgType')) throw new Refused(400, 'no MsgType in the message')
      // Answered only once the event and its job are committed: an ack is a promise that nothing is lost.
      await this.store.store({ orgId: c.orgId, plaintext, doc })
      return { status: 200, text: 'success' }
    } catch (err) {
      return this.refusal(err, key)
    }
  }

  /** URL verification (GET): the decrypted echostr, bare. */
  async verify(key: string, query: Query): Promise<Answer> {
    try {
      const c = await this.creds.get(key)
      if (!c) throw new Refused(404, 'unknown callback key')
      const q = signedQuery(query, this.deps)
      const echostr = typeof query.echostr === 'string' ? query.echostr : ''
      if (!echostr) throw new Refused(400, 'missing echostr')
      const text = open(c, q, echostr)
      this.count('verified')
      return { status: 200, text }
    } catch (err) {
      return this.refusal(err, key)
    }
  }

  router(): Router {
    const router = Router()
    const send = (res: Response, a: Answer) => {
      // WeCom wants the bare plaintext / 'success': no quotes, no newline.
      res.status(a.status).type('text/plain').send(a.text)
    }
    router.get(ROUTE, async (req: Request, res) => send(res, await this.verify(req.params.key as string, req.query)))
    router.post(ROUTE, express.text({ type: () => true, limit: BODY_LIMIT_BYTES }), async (req: Request, res) =>
      send(res, await this.accept(req.params.key as string, req.query, typeof req.body === 'string' ? req.body : '')),
    )
    // A body over the limit or unreadable: refused before anything is stored.
    router.use('/api/wework/callback', (err: Error & { status?: number }, _req: Request, res: Response, next: (e?: unknown) => void) => {
      if (!err.status) return next(err)
      this.count(`refused_${err.status}`)
      res.status(err.status).type('text/plain').send('refused')
    })
    return router
  }

  /**
   * POST callbacks straight off the Node request, without Express and its middleware: the ack path is the service's
   * hottest, and Express alone costs several times what the callback itself does. Requests it cannot handle exactly as
   * the Express route would (other methods or paths, compressed bodies, other charsets, undecodable keys) go to Express.
   */
  fastPath(): FastPath {
    return (req: IncomingMessage, res: ServerResponse) => {
      if (req.method !== 'POST') return false
      const m = POST_PATH.exec(req.url ?? '')
      if (!m) return false
      const encoding = req.headers['content-encoding']
      if (encoding && encoding.toLowerCase() !== 'identity') return false
      const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(req.headers['content-type'] ?? '')?.[1]?.toLowerCase()
      if (charset && charset !== 'utf-8' && charset !== 'utf8') return false
      let key: string
      try {
        key = decodeURIComponent(m[1])
      } catch {
        return false
      }
      const started = performance.now()
      const reply = (a: Answer) => {
        res.writeHead(a.status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(a.text) })
        res.end(a.text)
        this.metrics?.httpDuration.observe({ method: 'POST', route: ROUTE, status: String(a.status) }, (performance.now() - started) / 1000)
      }
      const declared = Number(req.headers['content-length'])
      const chunks: Buffer[] = []
      let size = 0
      let tooLarge = declared > BODY_LIMIT_BYTES
      req.on('data', (chunk: Buffer) => {
        if (tooLarge) return
        size += chunk.length
        if (size > BODY_LIMIT_BYTES) tooLarge = true
        else chunks.push(chunk)
      })
      req.on('error', () => res.destroy())
      req.on('end', () => {
        if (tooLarge) {
          this.count('refused_413')
          reply({ status: 413, text: 'refused' })
          return
        }
        // As express.text: UTF-8, a leading BOM dropped.
        const body = Buffer.concat(chunks).toString('utf8').replace(/^\uFEFF/, '')
        this.accept(key, parseQuery(m[2] ?? ''), body).then(reply, (err: unknown) => {
          this.deps.log.error({ err }, 'wecom callback fast path failed')
          reply({ status: 500, text: 'error' })
        })
      })
      return true
    }
  }

  private count(result: string, n = 1): void {
    this.metrics?.callbacks.inc({ source: 'wecom', result }, n)
  }

  private refusal(err: unknown, key: string): Answer {
    if (err instanceof Refused || err instanceof XmlError) {
      const status = err instanceof Refused ? err.status : 400
      this.count(`refused_${status}`)
      this.deps.log.warn({ key: key.slice(0, 8), status, reason: err.message }, 'wecom callback refused')
      return { status, text: status === 404 ? 'unknown callback' : 'refused' }
    }
    // Our own failure before the event was stored: a non-200 makes WeCom retry, so nothing is lost.
    this.count('error')
    this.deps.log.error({ err }, 'wecom callback failed before it was stored')
    return { status: 500, text: 'error' }
  }
}

/** The Express routes only (GET verification and POST); production also installs receiver.fastPath() ahead of Express. */
export function createWecomCallbackRouter(deps: Deps, metrics?: Metrics): Router {
  return new WecomCallbackReceiver(deps, metrics).router()
}
