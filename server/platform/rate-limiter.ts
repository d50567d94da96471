// Client-side call budget per (corp, endpoint): callers wait for a slot instead of provoking 45009.
import type { Clock } from '../lib/clock'
import { systemClock } from '../lib/clock'
import { silentLogger, type Logger } from '../lib/logger'
import { realSleep, type Sleep } from './http'
import { SharedBudget, sharedWindows, type RateLimit, type RateLimitStore } from './shared-rate-limiter'

export type { RateLimit } from './shared-rate-limiter'

/** WeCom's published per-corp, per-api limits (fact sheet A.2). */
export const WECOM_DEFAULT_LIMIT: RateLimit = { perMinute: 10_000, perHour: 150_000 }

export interface RateLimiterOptions {
  limit?: RateLimit
  /** Tighter limits for particular endpoints (e.g. the jsapi ticket paths), keyed by path. */
  overrides?: Record<string, RateLimit>
  clock?: Clock
  sleep?: Sleep
  /**
   * Counts the budget in MySQL or Redis, shared by every instance using the same store; without it the budget is
   * this process's alone (N instances would allow N times the corp's limit).
   */
  store?: RateLimitStore
  log?: Logger
}

/**
 * A GCRA (token bucket with reservations) per window. Burst is 5 % of the window and the refill rate is the
 * rest spread over the window, so no window of that length ever holds more than the limit: a plain
 * "capacity = rate = limit" bucket would allow up to twice the limit in the first window.
 */
class Window {
  private readonly interval: number
  private readonly tolerance: number
  private tat = 0

  constructor(max: number, periodMs: number) {
    const burst = Math.max(1, Math.floor(max / 20))
    const sustained = Math.max(1, max - burst)
    this.interval = periodMs / sustained
    this.tolerance = (burst - 1) * this.interval
  }

  /** Reserves the next slot and returns how long until it may be used. */
  reserve(now: number): number {
    const tat = Math.max(this.tat, now)
    this.tat = tat + this.interval
    return Math.max(0, tat - this.tolerance - now)
  }
}

export class RateLimiter {
  private readonly buckets = new Map<string, Window[]>()
  private readonly limit: RateLimit
  private readonly overrides: Record<string, RateLimit>
  private readonly clock: Clock
  private readonly sleep: Sleep
  private readonly shared: SharedBudget | null

  constructor(opts: RateLimiterOptions = {}) {
    this.limit = opts.limit ?? WECOM_DEFAULT_LIMIT
    this.overrides = opts.overrides ?? {}
    this.clock = opts.clock ?? systemClock
    this.sleep = opts.sleep ?? realSleep
    this.shared = opts.store
      ? new SharedBudget({
          store: opts.store,
          windowsFor: (endpoint) => sharedWindows(this.limitFor(endpoint)),
          // The process's own windows stand in while the store is unreachable.
          fallback: (corpId, endpoint) => this.acquireLocal(corpId, endpoint),
          log: opts.log ?? silentLogger,
          sleep: this.sleep,
        })
      : null
  }

  /** Where the budget is counted. */
  get scope(): 'process' | RateLimitStore['kind'] {
    return this.shared?.kind ?? 'process'
  }

  /** Resolves when a call to `endpoint` for `corpId` fits the budget; never rejects. */
  async acquire(corpId: string, endpoint: string): Promise<void> {
    if (this.shared) await this.shared.acquire(corpId, endpoint)
    else await this.acquireLocal(corpId, endpoint)
  }

  /** Releases the store's connection, if the limiter owns one. */
  async close(): Promise<void> {
    await this.shared?.close()
  }

  private limitFor(endpoint: string): RateLimit {
    return this.overrides[endpoint] ?? this.limit
  }

  private async acquireLocal(corpId: string, endpoint: string): Promise<void> {
    const now = this.clock.now()
    const waits = this.windowsFor(corpId, endpoint).map((w) => w.reserve(now))
    const wait = Math.max(0, ...waits)
    if (wait > 0) await this.sleep(wait)
  }

  private windowsFor(corpId: string, endpoint: string): Window[] {
    const key = `${corpId}\u0000${endpoint}`
    let windows = this.buckets.get(key)
    if (!windows) {
      const limit = this.limitFor(endpoint)
      windows = [new Window(limit.perMinute, 60_000)]
      if (limit.perHour) windows.push(new Window(limit.perHour, 3_600_000))
      this.buckets.set(key, windows)
    }
    return windows
  }
}
