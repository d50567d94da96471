// The single path of every WeCom call: token injection, errcode → PlatformError, and the retry rules.
import type { z } from 'zod'
import type { Logger } from '../../lib/logger'
import { PlatformError } from '../errors'
import {
  backoffDelay,
  buildUrl,
  DEFAULT_RETRY,
  realSleep,
  requestJson,
  TransportFailure,
  type FetchLike,
  type RetryPolicy,
  type Sleep,
} from '../http'
import { keepAliveFetch } from '../keepalive-fetch'
import type { RateLimiter } from '../rate-limiter'
import type { TokenFetcher } from '../token-center'
import { WecomPaths, type WecomPath } from './paths'
import { GetTokenResponse } from './token.types'

/** What the client needs from the token center; a contract test may hand in its own. */
export interface TokenSource {
  get(orgId: number, app: string, fetcher: TokenFetcher): Promise<string>
  invalidate(orgId: number, app: string, failedToken: string): Promise<boolean>
}

export interface WecomCallOptions {
  /** No trailing slash. Production: https://qyapi.weixin.qq.com; tests and demo: the sandbox. */
  baseUrl: string
  orgId: number
  corpId: string
  secret: string
  /** Token key: one token per secret, so one per app ('contact', 'agent', …). */
  app: string
  tokens: TokenSource
  limiter?: RateLimiter
  log: Logger
  fetchImpl?: FetchLike
  /** For errcode -1 and transport failures. */
  retry?: Partial<RetryPolicy>
  timeoutMs?: number
  sleep?: Sleep
  /** Pause after 45009/45033; WeCom blocks a minute-limit offender for 60 s. */
  rateLimitWaitMs?: number
  /** How many such pauses one call may take before the error surfaces. */
  maxRateLimitWaits?: number
  /** Jitter source, injectable so tests can pin delays. */
  random?: () => number
}

export interface CallSpec<T> {
  method: 'GET' | 'POST'
  path: WecomPath
  query?: Record<string, string | number | undefined>
  /** JSON body. */
  body?: unknown
  /** Multipart body; a factory because each attempt needs a fresh stream. */
  form?: () => FormData
  /** false for gettoken only. */
  auth?: boolean
  /**
   * Not idempotent (a repeat would send a second message or task): a failure that may have reached
   * WeCom surfaces instead of being repeated, leaving the decision to the caller's own bookkeeping.
   */
  once?: boolean
  /** Validate the success body; used where a wrong shape would be stored or handed to browsers. */
  schema?: z.ZodType<T>
}

export type WecomCall = <T>(spec: CallSpec<T>) => Promise<T>

const TOKEN_ERRORS = new Set([40014, 42001, 41001])
const RATE_ERRORS = new Set([45009, 45033])
const BUSY = -1

type Decision = 'backoff' | 'rate-wait' | 'renew-token' | 'surface'

function decide(err: unknown, once: boolean): Decision {
  if (err instanceof PlatformError) {
    if (err.errcode === BUSY) return 'backoff'
    if (RATE_ERRORS.has(err.errcode)) return 'rate-wait'
    if (TOKEN_ERRORS.has(err.errcode)) return 'renew-token'
    return 'surface'
  }
  if (err instanceof TransportFailure) {
    if (!err.retryable || (once && err.ambiguous)) return 'surface'
    return 'backoff'
  }
  return 'surface'
}

export interface WecomCore {
  call: WecomCall
  /** A valid access token from the token center (fetching one if needed). */
  getToken(): Promise<string>
  /** The raw gettoken exchange, bypassing the token center. */
  gettoken(): Promise<GetTokenResponse>
}

export function createWecomCore(opts: WecomCallOptions): WecomCore {
  const policy: RetryPolicy = { ...DEFAULT_RETRY, ...opts.retry }
  // node:http keep-alive instead of the global fetch: the same exchange for a fifth of the CPU (see keepalive-fetch.ts).
  const fetchImpl = opts.fetchImpl ?? keepAliveFetch
  const sleep = opts.sleep ?? realSleep
  const timeoutMs = opts.timeoutMs ?? 10_000
  const rateLimitWaitMs = opts.rateLimitWaitMs ?? 60_000
  const maxRateLimitWaits = opts.maxRateLimitWaits ?? 2
  const random = opts.random ?? Math.random
  const log = opts.log

  async function call<T>(spec: CallSpec<T>): Promise<T> {
    const endpoint = spec.path
    let backoffs = 0
    let rateWaits = 0
    let tokenRenewed = false
    for (;;) {
      const token = spec.auth === false ? undefined : await getToken()
      if (opts.limiter) await opts.limiter.acquire(opts.corpId, endpoint)
      try {
        const raw = await requestJson({
          platform: 'wecom',
          endpoint,
          method: spec.method,
          url: buildUrl(opts.baseUrl, endpoint, token ? { access_token: token, ...spec.query } : spec.query),
          body: spec.form ? spec.form() : spec.body,
          timeoutMs,
          fetchImpl,
          log,
        })
        return check(endpoint, raw, spec.schema)
      } catch (err) {
        const decision = decide(err, spec.once ?? false)
        if (decision === 'backoff' && backoffs < policy.maxRetries) {
          const delayMs = backoffDelay(backoffs++, policy, random)
          log.warn({ endpoint, retry: backoffs, delayMs, reason: (err as Error).message }, 'wecom call failed, backing off')
          await sleep(delayMs)
          continue
        }
        if (decision === 'rate-wait' && rateWaits < maxRateLimitWaits) {
          rateWaits++
          log.warn({ endpoint, wait: rateWaits, delayMs: rateLimitWaitMs }, 'wecom rate limit hit, waiting')
          await sleep(rateLimitWaitMs)
          continue
        }
        if (decision === 'renew-token' && token && !tokenRenewed) {
          tokenRenewed = true
          log.warn({ endpoint, errcode: (err as PlatformError).errcode }, 'wecom rejected the access token, renewing once')
          await opts.tokens.invalidate(opts.orgId, opts.app, token)
          continue
        }
        throw err
      }
    }
  }

  function gettoken(): Promise<GetTokenResponse> {
    return call({
      method: 'GET',
      path: WecomPaths.Token.getToken,
      query: { corpid: opts.corpId, corpsecret: opts.secret },
      auth: false,
      schema: GetTokenResponse,
    })
  }

  const fetchToken: TokenFetcher = async () => {
    const res = await gettoken()
    return { token: res.access_token, expiresIn: res.expires_in }
  }

  function getToken(): Promise<string> {
    return opts.tokens.get(opts.orgId, opts.app, fetchToken)
  }

  return { call, getToken, gettoken }
}

function check<T>(endpoint: WecomPath, raw: Record<string, unknown>, schema?: z.ZodType<T>): T {
  const errcode = raw.errcode === undefined ? 0 : Number(raw.errcode)
  if (!Number.isInteger(errcode)) throw new TransportFailure('wecom', endpoint, 'errcode is not a number', 200, true, true)
  if (errcode !== 0) throw new PlatformError('wecom', endpoint, errcode, typeof raw.errmsg === 'string' ? raw.errmsg : '')
  if (!schema) return raw as T
  const parsed = schema.safeParse(raw)
  if (!parsed.success) {
    const where = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')
    // The platform answered and said ok; repeating will not change the shape.
    throw new TransportFailure('wecom', endpoint, `unexpected response shape (${where})`, 200, false, false)
  }
  return parsed.data
}
