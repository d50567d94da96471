// The single path of every WeCom call: its token, retry and rate-limit settings on the shared call core.
import type { Logger } from '../../lib/logger'
import { createCoreCall, type CoreCallSpec, type TokenSource } from '../call-core'
import { DEFAULT_RETRY, realSleep, type FetchLike, type RetryPolicy, type Sleep } from '../http'
import { keepAliveFetch } from '../keepalive-fetch'
import type { RateLimiter } from '../rate-limiter'
import type { TokenFetcher } from '../token-center'
import { WecomPaths, type WecomPath } from './paths'
import { GetTokenResponse } from './token.types'

export type { TokenSource } from '../call-core'

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

export type CallSpec<T> = CoreCallSpec<T, WecomPath>

export type WecomCall = <T>(spec: CallSpec<T>) => Promise<T>

const TOKEN_ERRORS = new Set([40014, 42001, 41001])
const RATE_ERRORS = new Set([45009, 45033])

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

  const call = createCoreCall<WecomPath>({
    platform: 'wecom',
    baseUrl: opts.baseUrl,
    log,
    fetchImpl,
    policy,
    timeoutMs,
    sleep,
    random,
    limiter: opts.limiter,
    limiterKey: opts.corpId,
    tokenErrors: TOKEN_ERRORS,
    rateErrors: RATE_ERRORS,
    rateLimitWaitMs,
    maxRateLimitWaits,
    getToken,
    renewToken: async (failed) => {
      await opts.tokens.invalidate(opts.orgId, opts.app, failed)
    },
  })

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
