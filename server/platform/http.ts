// JSON over fetch for the platform clients: timeouts, transport-error classification, backoff and URL masking.
import { backoffMs } from '../lib/backoff'
import type { Logger } from '../lib/logger'
import { PlatformTransportError, type PlatformName } from './errors'

export type FetchLike = typeof fetch
export type Sleep = (ms: number) => Promise<void>

export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

export interface RetryPolicy {
  /** Retries after the first attempt. */
  maxRetries: number
  baseDelayMs: number
  maxDelayMs: number
}

export const DEFAULT_RETRY: RetryPolicy = { maxRetries: 3, baseDelayMs: 200, maxDelayMs: 5000 }

/** "Full jitter" backoff: uniform in [0, min(max, base·2^n)], so simultaneous failures do not retry in lockstep. */
export function backoffDelay(retryIndex: number, policy: RetryPolicy, random: () => number = Math.random): number {
  return backoffMs(retryIndex, { baseMs: policy.baseDelayMs, maxMs: policy.maxDelayMs, jitter: 'full' }, random)
}

// Query parameters whose values are credentials; a logged URL must never carry them.
const SECRET_PARAMS = new Set(['access_token', 'corpsecret', 'secret', 'appsecret', 'ticket', 'jsapi_ticket', 'code', 'user_ticket'])

/** The URL with credential-bearing query values replaced, safe to log. */
export function maskUrl(url: string): string {
  const q = url.indexOf('?')
  if (q < 0) return url
  const [base, rest] = [url.slice(0, q), url.slice(q + 1)]
  const hashAt = rest.indexOf('#')
  const query = hashAt < 0 ? rest : rest.slice(0, hashAt)
  const masked = query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=')
      const name = decodeURIComponent(eq < 0 ? pair : pair.slice(0, eq)).toLowerCase()
      return SECRET_PARAMS.has(name) && eq >= 0 ? `${pair.slice(0, eq)}=***` : pair
    })
    .join('&')
  return `${base}?${masked}`
}

export function buildUrl(baseUrl: string, path: string, query?: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) params.append(k, String(v))
  const qs = params.toString()
  return `${baseUrl}${path}${qs ? `?${qs}` : ''}`
}

export interface JsonRequest {
  platform: PlatformName
  /** Path without query, used in errors and logs (never the full URL). */
  endpoint: string
  method: 'GET' | 'POST'
  url: string
  /** A JSON body, or a FormData for multipart uploads. */
  body?: unknown
  timeoutMs: number
  fetchImpl: FetchLike
  log: Logger
}

/**
 * Connection failures where the request provably never reached the server,
 * so even a non-idempotent call can be repeated without a duplicate effect.
 */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT'])

export class TransportFailure extends PlatformTransportError {
  constructor(
    platform: PlatformName,
    endpoint: string,
    message: string,
    status: number | undefined,
    /** The platform may have acted on the request (timeout, reset, 5xx, garbled answer). */
    readonly ambiguous: boolean,
    /** Worth repeating at all; false for 4xx, which only a code/config change fixes. */
    readonly retryable: boolean,
  ) {
    super(platform, endpoint, message, status)
  }
}

/** One HTTP exchange that must answer with a JSON object; every other outcome is a TransportFailure. */
export async function requestJson(req: JsonRequest): Promise<Record<string, unknown>> {
  const started = Date.now()
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), req.timeoutMs)
  const init: RequestInit = { method: req.method, signal: controller.signal }
  if (req.body instanceof FormData) init.body = req.body
  else if (req.body !== undefined) {
    init.body = JSON.stringify(req.body)
    init.headers = { 'content-type': 'application/json; charset=utf-8' }
  }
  const fail = (message: string, status: number | undefined, ambiguous: boolean, retryable = true) =>
    new TransportFailure(req.platform, req.endpoint, message, status, ambiguous, retryable)
  let status: number | undefined
  try {
    let text: string
    try {
      const res = await req.fetchImpl(req.url, init)
      status = res.status
      // Read the body under the same timer: a server that stalls mid-body is as dead as one that never answers.
      text = await res.text()
    } catch (err) {
      if (controller.signal.aborted) throw fail(`timed out after ${req.timeoutMs} ms`, status, true)
      const code = causeCode(err)
      throw fail(`network error${code ? ` ${code}` : ''}`, status, !(code && NOT_SENT_CODES.has(code)))
    }
    if (status >= 500) throw fail(`HTTP ${status}`, status, true)
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch {
      throw fail(`HTTP ${status} with a non-JSON body`, status, true, status < 400)
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw fail(`HTTP ${status} with a JSON body that is not an object`, status, true, status < 400)
    }
    return parsed as Record<string, unknown>
  } finally {
    clearTimeout(timer)
    req.log.debug(
      { platform: req.platform, method: req.method, url: maskUrl(req.url), status, ms: Date.now() - started },
      'platform request',
    )
  }
}

function causeCode(err: unknown): string | undefined {
  const cause = (err as { cause?: { code?: unknown } } | undefined)?.cause
  if (cause && typeof cause.code === 'string') return cause.code
  const own = (err as { code?: unknown } | undefined)?.code
  return typeof own === 'string' ? own : undefined
}
