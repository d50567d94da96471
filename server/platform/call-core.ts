// The retry loop every platform client shares: token injection, errcode → PlatformError, backoff, rate waits, one token renewal.
import type { z } from 'zod'
import type { Logger } from '../lib/logger'
import { CallAbortedError, callSignal, isInteractive, rateWaitsAllowed } from './call-context'
import { PlatformError, type PlatformName } from './errors'
import { backoffDelay, buildUrl, requestJson, TransportFailure, type FetchLike, type RetryPolicy, type Sleep } from './http'
import type { RateLimiter } from './rate-limiter'
import type { TokenFetcher } from './token-center'

/** What a client needs from the token center; a contract test may hand in its own. */
export interface TokenSource {
  get(orgId: number, app: string, fetcher: TokenFetcher): Promise<string>
  invalidate(orgId: number, app: string, failedToken: string): Promise<boolean>
}

export interface CoreCallSpec<T, P extends string = string> {
  method: 'GET' | 'POST'
  path: P
  query?: Record<string, string | number | undefined>
  /** JSON body. */
  body?: unknown
  /** Multipart body; a factory because each attempt needs a fresh stream. */
  form?: () => FormData
  /** false for the token exchange and other calls authenticated by their own credentials. */
  auth?: boolean
  /**
   * Not idempotent (a repeat would send a second message or task): a failure that may have reached the
   * platform surfaces instead of being repeated, leaving the decision to the caller's own bookkeeping.
   */
  once?: boolean
  /** Validate the success body; used where a wrong shape would be stored or handed to browsers. */
  schema?: z.ZodType<T>
}

export interface CoreSettings {
  platform: PlatformName
  /** No trailing slash. */
  baseUrl: string
  log: Logger
  fetchImpl: FetchLike
  policy: RetryPolicy
  timeoutMs: number
  sleep: Sleep
  random: () => number
  limiter?: RateLimiter
  /** The limiter's account key (corp id, app id). */
  limiterKey: string
  /** Errcodes that mean "this access token is no longer good": renewed once, then the call is repeated. */
  tokenErrors: ReadonlySet<number>
  /** Errcodes worth a pause and a repeat (minute-window limits), up to maxRateLimitWaits times. */
  rateErrors: ReadonlySet<number>
  rateLimitWaitMs: number
  maxRateLimitWaits: number
  getToken(): Promise<string>
  /** Called with the token the platform refused; the next getToken must not hand it back. */
  renewToken(failedToken: string, errcode: number): Promise<void>
}

const BUSY = -1

/** A person waits for an interactive call: its backoff sleeps stay under this in total, each under the cap. */
export const INTERACTIVE_BACKOFF_BUDGET_MS = 2000
const INTERACTIVE_BACKOFF_CAP_MS = 1000
/** Past this much time spent on an interactive call no further attempt starts (a timed-out attempt already cost it). */
export const INTERACTIVE_TOTAL_BUDGET_MS = 4000

const PLATFORM_NAMES: Record<PlatformName, string> = { wecom: '企业微信', oa: '公众号', sms: '短信' }

/**
 * A rate-limit refusal an admin's request surfaced instead of waiting out (the queue keeps waiting): the hint says what
 * happened and when to try again, e.g. 「企业微信接口调用过于频繁，请约 60 秒后再试」.
 */
export class PlatformRateLimitedError extends PlatformError {
  declare readonly hint: string
  readonly retryAfterSec: number
  constructor(err: PlatformError, retryAfterMs: number) {
    super(err.platform, err.endpoint, err.errcode, err.errmsg)
    this.retryAfterMs = retryAfterMs
    this.retryAfterSec = Math.max(1, Math.ceil(retryAfterMs / 1000))
    this.hint = `${PLATFORM_NAMES[err.platform]}接口调用过于频繁，请约 ${this.retryAfterSec} 秒后再试`
    this.message = `${err.endpoint}: ${err.errcode} ${this.hint}`
  }
}

type Decision = 'backoff' | 'rate-wait' | 'renew-token' | 'surface'

function decide(s: CoreSettings, err: unknown, once: boolean): Decision {
  if (err instanceof PlatformError) {
    if (err.errcode === BUSY) return 'backoff'
    if (s.rateErrors.has(err.errcode)) return 'rate-wait'
    if (s.tokenErrors.has(err.errcode)) return 'renew-token'
    return 'surface'
  }
  if (err instanceof TransportFailure) {
    if (!err.retryable || (once && err.ambiguous)) return 'surface'
    return 'backoff'
  }
  return 'surface'
}

export function createCoreCall<P extends string>(s: CoreSettings): <T>(spec: CoreCallSpec<T, P>) => Promise<T> {
  const { platform, log, policy } = s
  return async function call<T>(spec: CoreCallSpec<T, P>): Promise<T> {
    const endpoint = spec.path
    let backoffs = 0
    let rateWaits = 0
    let tokenRenewed = false
    const interactive = isInteractive()
    // The token exchange is shared with whoever joined it, so one departed caller must not cancel it for the others.
    const signal = spec.auth === false ? undefined : callSignal()
    const started = Date.now()
    let sleptMs = 0
    const checkAbort = () => {
      if (signal?.aborted) throw new CallAbortedError(endpoint)
    }
    for (;;) {
      checkAbort()
      const token = spec.auth === false ? undefined : await s.getToken()
      if (s.limiter) await s.limiter.acquire(s.limiterKey, endpoint)
      // Checked again right before sending: the token fetch or the limiter may have taken a while.
      checkAbort()
      try {
        const raw = await requestJson({
          platform,
          endpoint,
          method: spec.method,
          url: buildUrl(s.baseUrl, endpoint, token ? { access_token: token, ...spec.query } : spec.query),
          body: spec.form ? spec.form() : spec.body,
          timeoutMs: s.timeoutMs,
          fetchImpl: s.fetchImpl,
          log,
        })
        return checkResponse(platform, endpoint, raw, spec.schema)
      } catch (err) {
        const decision = decide(s, err, spec.once ?? false)
        if (decision === 'backoff' && backoffs < policy.maxRetries) {
          const delayMs = interactive
            ? backoffDelay(backoffs, { ...policy, maxDelayMs: Math.min(policy.maxDelayMs, INTERACTIVE_BACKOFF_CAP_MS) }, s.random)
            : backoffDelay(backoffs, policy, s.random)
          const spent = Math.max(Date.now() - started, sleptMs)
          if (interactive && (sleptMs + delayMs > INTERACTIVE_BACKOFF_BUDGET_MS || spent + delayMs > INTERACTIVE_TOTAL_BUDGET_MS)) throw err
          backoffs++
          sleptMs += delayMs
          log.warn({ endpoint, retry: backoffs, delayMs, reason: (err as Error).message }, `${platform} call failed, backing off`)
          await s.sleep(delayMs)
          continue
        }
        if (decision === 'rate-wait' && interactive) {
          // Nobody should watch a spinner for a minute: say so at once, with the pause the platform asks for.
          throw new PlatformRateLimitedError(err as PlatformError, s.rateLimitWaitMs)
        }
        if (decision === 'rate-wait' && !rateWaitsAllowed()) {
          // In a queue job: hand the slot back; the queue runs the job again after the pause.
          ;(err as PlatformError).retryAfterMs = s.rateLimitWaitMs
          throw err
        }
        if (decision === 'rate-wait' && rateWaits < s.maxRateLimitWaits) {
          rateWaits++
          log.warn({ endpoint, wait: rateWaits, delayMs: s.rateLimitWaitMs }, `${platform} rate limit hit, waiting`)
          await s.sleep(s.rateLimitWaitMs)
          continue
        }
        if (decision === 'renew-token' && token && !tokenRenewed) {
          tokenRenewed = true
          const errcode = (err as PlatformError).errcode
          log.warn({ endpoint, errcode }, `${platform} rejected the access token, renewing once`)
          await s.renewToken(token, errcode)
          continue
        }
        throw err
      }
    }
  }
}

/** errcode 0 (or absent) → the body, validated if a schema is given; anything else → PlatformError. */
export function checkResponse<T>(platform: PlatformName, endpoint: string, raw: Record<string, unknown>, schema?: z.ZodType<T>): T {
  const errcode = raw.errcode === undefined ? 0 : Number(raw.errcode)
  if (!Number.isInteger(errcode)) throw new TransportFailure(platform, endpoint, 'errcode is not a number', 200, true, true)
  if (errcode !== 0) throw new PlatformError(platform, endpoint, errcode, typeof raw.errmsg === 'string' ? raw.errmsg : '')
  if (!schema) return raw as T
  const parsed = schema.safeParse(raw)
  if (!parsed.success) {
    const where = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')
    // The platform answered and said ok; repeating will not change the shape.
    throw new TransportFailure(platform, endpoint, `unexpected response shape (${where})`, 200, false, false)
  }
  return parsed.data
}
