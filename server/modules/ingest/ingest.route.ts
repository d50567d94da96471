// POST /api/ingest/events (raw body for the signature, byte cap, per-key rate limit) and GET /api/ingest/openapi.json.
import express, { type NextFunction, type Request, type Response, type Router } from 'express'
import type { Deps } from '../../deps'
import { INGEST_MAX_BYTES, type IngestError, type IngestErrorCode } from '../../../shared/ingest-events'
import { SharedKeyLimit } from '../../platform/shared-rate-limiter'
import { authenticate, ingestAuthenticated, IngestRefused } from './ingest.service'
import { INGEST_EVENTS_PATH, INGEST_OPENAPI_PATH, ingestOpenApi } from './ingest-openapi'

export { INGEST_EVENTS_PATH, INGEST_OPENAPI_PATH } from './ingest-openapi'

/** Requests per second per key, with a burst: a calling system posts batches of up to 1 000, so this is ~50 000 events/s. */
export const INGEST_RATE = { perSecond: 50, burst: 100 }

/**
 * A token bucket per API key in this process: the limit on SQLite (one instance), and the fallback while the shared
 * store cannot be reached. Keys are only ever proven ones, so the map is bounded by the keys that exist.
 */
export class KeyRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>()
  constructor(
    private readonly now: () => number,
    private readonly rate: { perSecond: number; burst: number } = INGEST_RATE,
  ) {}

  /** 0 when the request may go ahead, else seconds to wait. */
  take(key: string): number {
    const t = this.now()
    const b = this.buckets.get(key) ?? { tokens: this.rate.burst, at: t }
    b.tokens = Math.min(this.rate.burst, b.tokens + ((t - b.at) / 1000) * this.rate.perSecond)
    b.at = t
    this.buckets.set(key, b)
    if (b.tokens >= 1) {
      b.tokens -= 1
      return 0
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / this.rate.perSecond))
  }
}

function refuse(res: Response, status: number, code: IngestErrorCode, message: string, retryAfterSec?: number): void {
  if (retryAfterSec) res.setHeader('Retry-After', String(retryAfterSec))
  res.status(status).json({ error: { code, message } } satisfies IngestError)
}

const header = (req: Request, name: string) => {
  const v = req.headers[name]
  return typeof v === 'string' ? v.trim() : undefined
}

export function createIngestRouter(deps: Deps, opts: { rate?: { perSecond: number; burst: number } } = {}): Router {
  const r = express.Router()
  const rate = opts.rate ?? INGEST_RATE
  const local = new KeyRateLimiter(() => deps.clock.now(), rate)
  // With several instances behind a balancer, the key's budget is counted where they all see it.
  const shared = deps.rateStore ? new SharedKeyLimit(deps.rateStore, 'ingest', rate) : undefined
  const take = async (keyId: string): Promise<number> => {
    if (!shared) return local.take(keyId)
    try {
      return await shared.take(keyId)
    } catch (err) {
      deps.log.warn({ err }, 'shared ingest rate limit unavailable; this request uses the instance limit')
      return local.take(keyId)
    }
  }

  r.get(INGEST_OPENAPI_PATH, (_req, res) => {
    res.json(ingestOpenApi(deps.config.publicBaseUrl))
  })

  r.post(
    INGEST_EVENTS_PATH,
    // Every content type as bytes: the signature covers exactly what was sent, so nothing may re-encode it first.
    express.raw({ type: () => true, limit: INGEST_MAX_BYTES }),
    async (req: Request, res: Response) => {
      const signed = {
        keyId: header(req, 'x-api-key'),
        timestamp: header(req, 'x-timestamp'),
        signature: header(req, 'x-signature'),
        rawBody: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
      }
      try {
        // Rate-limited by key only once the key is proven, so nobody can exhaust another sender's budget with its key id.
        const auth = await authenticate(deps, signed)
        const wait = await take(auth.keyId)
        if (wait > 0) return refuse(res, 429, 'rate_limited', `该 API 密钥请求过于频繁，请 ${wait} 秒后重试`, wait)
        res.json(await ingestAuthenticated(deps, auth, signed.rawBody))
      } catch (err) {
        if (err instanceof IngestRefused) return refuse(res, err.status, err.code, err.message, err.retryAfterSec)
        deps.log.error({ err }, 'ingest failed')
        refuse(res, 500, 'internal', `服务器暂时无法处理，请稍后重试（请求编号 ${String(res.getHeader('X-Request-Id') ?? '-')}）`)
      }
    },
  )

  r.use(INGEST_EVENTS_PATH, (err: Error & { type?: string; status?: number }, _req: Request, res: Response, next: NextFunction) => {
    if (err.type === 'entity.too.large') return refuse(res, 413, 'too_large', `请求体超过 ${INGEST_MAX_BYTES} 字节，请拆分后分批提交`)
    if (err.status && err.status < 500) return refuse(res, 400, 'bad_body', `无法读取请求体：${err.message}`)
    next(err)
  })
  return r
}
