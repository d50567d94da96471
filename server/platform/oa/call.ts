// The single path of every Official Account call: stable_token through the token center, the OA retry rules on the shared core.
import { systemClock, type Clock } from '../../lib/clock'
import type { Logger } from '../../lib/logger'
import { createCoreCall, type CoreCallSpec, type TokenSource } from '../call-core'
import { DEFAULT_RETRY, realSleep, type FetchLike, type RetryPolicy, type Sleep } from '../http'
import { keepAliveFetch } from '../keepalive-fetch'
import type { RateLimiter } from '../rate-limiter'
import { OaPaths, type OaPath } from './paths'
import { StableTokenResponse } from './token.types'

export const OA_DEFAULT_BASE_URL = 'https://api.weixin.qq.com'

export interface OaCallOptions {
  /** No trailing slash. Default https://api.weixin.qq.com; tests and demo: the sandbox. */
  baseUrl?: string
  orgId: number
  appId: string
  secret: string
  /** Token key in the token center (default 'oa'). */
  app?: string
  tokens: TokenSource
  limiter?: RateLimiter
  log: Logger
  fetchImpl?: FetchLike
  /** For errcode -1 and transport failures. */
  retry?: Partial<RetryPolicy>
  timeoutMs?: number
  sleep?: Sleep
  clock?: Clock
  /** Pause after 45011 (stable_token's minute quota). */
  rateLimitWaitMs?: number
  maxRateLimitWaits?: number
  random?: () => number
  /** Minimum gap between two force_refresh exchanges (default 30 s, the platform's own floor). */
  forceRefreshGapMs?: number
}

export type OaCallSpec<T> = CoreCallSpec<T, OaPath>
export type OaCall = <T>(spec: OaCallSpec<T>) => Promise<T>

/**
 * 40001 is OA's "invalid credential / not the latest token"; 40014 invalid, 42001 expired, 41001 missing.
 * 45009 is OA's *daily* quota (reset only by clear_quota), so unlike WeCom it is not waited out.
 */
const TOKEN_ERRORS = new Set([40001, 40014, 42001, 41001])
const RATE_ERRORS = new Set([45011])
const INVALID_CREDENTIAL = 40001

export interface OaCore {
  call: OaCall
  /** A valid access token from the token center (fetching one if needed). */
  getToken(): Promise<string>
  /** The raw stable_token exchange, bypassing the token center. */
  stableToken(forceRefresh?: boolean): Promise<StableTokenResponse>
}

export function createOaCore(opts: OaCallOptions): OaCore {
  const app = opts.app ?? 'oa'
  const clock = opts.clock ?? systemClock
  const forceGapMs = opts.forceRefreshGapMs ?? 30_000
  const policy: RetryPolicy = { ...DEFAULT_RETRY, ...opts.retry }
  // A token the platform refused with 40001: if normal mode hands it back again, only force_refresh gets a new one.
  let refused: string | undefined
  let lastForceAt = Number.NEGATIVE_INFINITY

  const call = createCoreCall<OaPath>({
    platform: 'oa',
    baseUrl: (opts.baseUrl ?? OA_DEFAULT_BASE_URL).replace(/\/+$/, ''),
    log: opts.log,
    fetchImpl: opts.fetchImpl ?? keepAliveFetch,
    policy,
    timeoutMs: opts.timeoutMs ?? 10_000,
    sleep: opts.sleep ?? realSleep,
    random: opts.random ?? Math.random,
    limiter: opts.limiter,
    limiterKey: opts.appId,
    tokenErrors: TOKEN_ERRORS,
    rateErrors: RATE_ERRORS,
    rateLimitWaitMs: opts.rateLimitWaitMs ?? 60_000,
    maxRateLimitWaits: opts.maxRateLimitWaits ?? 2,
    getToken,
    renewToken: async (failed, errcode) => {
      if (errcode === INVALID_CREDENTIAL) refused = failed
      await opts.tokens.invalidate(opts.orgId, app, failed)
    },
  })

  function stableToken(forceRefresh = false): Promise<StableTokenResponse> {
    return call({
      method: 'POST',
      path: OaPaths.Token.stableToken,
      body: { grant_type: 'client_credential', appid: opts.appId, secret: opts.secret, force_refresh: forceRefresh },
      auth: false,
      schema: StableTokenResponse,
    })
  }

  async function fetchToken() {
    // Normal mode first: every caller gets the current token, so several instances never invalidate each other's.
    let res = await stableToken(false)
    if (refused !== undefined && res.access_token === refused && clock.now() - lastForceAt >= forceGapMs) {
      lastForceAt = clock.now()
      opts.log.warn({ appId: opts.appId }, 'oa stable_token handed back a refused token, forcing a refresh')
      res = await stableToken(true)
    }
    refused = undefined
    return { token: res.access_token, expiresIn: res.expires_in }
  }

  function getToken(): Promise<string> {
    return opts.tokens.get(opts.orgId, app, fetchToken)
  }

  return { call, getToken, stableToken }
}
