// The WeCom call budget shared by every instance: fixed windows counted in MySQL or Redis by rate-limiter-flexible.
import { createHash } from 'node:crypto'
import type { Redis } from 'ioredis'
import type { Pool } from 'mysql2'
import { RateLimiterMySQL, RateLimiterRedis, RateLimiterRes, type RateLimiterStoreAbstract } from 'rate-limiter-flexible'
import { isRetryableLockError } from '../db/transaction'
import type { Logger } from '../lib/logger'
import type { Sleep } from './http'

/** A call budget: so many calls per minute, and optionally per hour. */
export interface RateLimit {
  perMinute: number
  /** Optional second window; WeCom also caps each api per corp per hour. */
  perHour?: number
}

/** Where the counters live. `close` releases a connection the store owns (the Redis client). */
export type RateLimitStore = { kind: 'mysql'; pool: Pool; database: string } | { kind: 'redis'; client: Redis; close?: () => Promise<void> }

export interface BudgetWindow {
  points: number
  durationMs: number
}

/** The table the migration creates; its three columns are the store's contract. */
export const RATE_LIMIT_TABLE = 'rate_limits'
/** Fixed windows per limit period; see sharedWindows. */
const SLICES = 6
/** The key column is varchar(191). */
const MAX_KEY = 150

/**
 * A shared counter can only count fixed windows, and two full windows back to back would allow twice the limit within
 * one period. So a limit L per period P becomes windows of P/6 holding floor(L/7) each: a span of length P touches at
 * most 7 of them, never more than L in all, while a steady caller still gets 6/7 of L.
 */
export function sharedWindows(limit: RateLimit): BudgetWindow[] {
  const slice = (max: number, periodMs: number) => ({ points: Math.max(1, Math.floor(max / (SLICES + 1))), durationMs: periodMs / SLICES })
  const out = [slice(limit.perMinute, 60_000)]
  if (limit.perHour) out.push(slice(limit.perHour, 3_600_000))
  return out
}

export interface SharedBudgetOptions {
  store: RateLimitStore
  /** The windows that apply to an endpoint (every one must have a slot before the call). */
  windowsFor: (endpoint: string) => BudgetWindow[]
  /** Used for the call when the store cannot be reached: the process's own budget, which never rejects. */
  fallback: (corpId: string, endpoint: string) => Promise<void>
  log: Logger
  sleep: Sleep
  random?: () => number
}

/** Lock races of the MySQL store (two first calls of a new key) are retried this often before falling back. */
const LOCK_RACE_RETRIES = 4

export class SharedBudget {
  private readonly limiters = new Map<string, RateLimiterStoreAbstract>()
  private readonly random: () => number

  constructor(private readonly opts: SharedBudgetOptions) {
    this.random = opts.random ?? Math.random
  }

  /**
   * Resolves once every window of the endpoint has given this call a slot; a full window is waited out (its
   * msBeforeNext), never reported as an error. Returns how many times it had to wait.
   */
  async acquire(corpId: string, endpoint: string): Promise<number> {
    const key = budgetKey(corpId, endpoint)
    let waits = 0
    for (const w of this.opts.windowsFor(endpoint)) {
      const limiter = this.limiterFor(w)
      for (let races = 0; ;) {
        try {
          await limiter.consume(key)
          break
        } catch (res) {
          if (res instanceof RateLimiterRes) {
            waits++
            // A little spread, so the callers woken by one window's end do not all hit the store at once.
            await this.opts.sleep(res.msBeforeNext + Math.floor(this.random() * 20))
            continue
          }
          if (isRetryableLockError(res) && ++races <= LOCK_RACE_RETRIES) continue
          this.opts.log.warn({ err: res, endpoint }, 'shared WeCom call budget unavailable; this call uses the instance budget')
          await this.opts.fallback(corpId, endpoint)
          return waits
        }
      }
    }
    return waits
  }

  get kind(): RateLimitStore['kind'] {
    return this.opts.store.kind
  }

  async close(): Promise<void> {
    if (this.opts.store.kind === 'redis') await this.opts.store.close?.()
  }

  private limiterFor(w: BudgetWindow): RateLimiterStoreAbstract {
    const id = `${w.points}/${w.durationMs}`
    let limiter = this.limiters.get(id)
    if (!limiter) {
      // Every limiter's sweep deletes all expired rows, so one sweeping limiter is enough.
      limiter = storeLimiter(this.opts.store, {
        keyPrefix: `wecom:${id}`,
        points: w.points,
        durationMs: w.durationMs,
        sweep: this.limiters.size === 0,
      })
      this.limiters.set(id, limiter)
    }
    return limiter
  }
}

/** A fixed-window counter in the shared store (MySQL table or Redis). */
function storeLimiter(
  store: RateLimitStore,
  w: { keyPrefix: string; points: number; durationMs: number; sweep: boolean },
): RateLimiterStoreAbstract {
  const base = { keyPrefix: w.keyPrefix, points: w.points, duration: w.durationMs / 1000 }
  return store.kind === 'mysql'
    ? new RateLimiterMySQL({
        ...base,
        // 'pool': each consume runs its BEGIN…COMMIT on one connection taken from the pool.
        storeClient: store.pool,
        storeType: 'pool',
        dbName: store.database,
        tableName: RATE_LIMIT_TABLE,
        tableCreated: true,
        clearExpiredByTimeout: w.sweep,
      })
    : new RateLimiterRedis({ ...base, storeClient: store.client, rejectIfRedisNotReady: true })
}

/**
 * A per-key request limit every instance counts together: `burst` requests per window of burst / perSecond seconds,
 * so the average holds at perSecond and a sender may spend its burst at once.
 */
export class SharedKeyLimit {
  private readonly limiter: RateLimiterStoreAbstract

  constructor(store: RateLimitStore, keyPrefix: string, rate: { perSecond: number; burst: number }) {
    this.limiter = storeLimiter(store, { keyPrefix, points: rate.burst, durationMs: (rate.burst / rate.perSecond) * 1000, sweep: false })
  }

  /** 0 when the request may go ahead, else whole seconds to wait; rejects when the store cannot be reached. */
  async take(key: string): Promise<number> {
    try {
      await this.limiter.consume(key)
      return 0
    } catch (res) {
      if (res instanceof RateLimiterRes) return Math.max(1, Math.ceil(res.msBeforeNext / 1000))
      throw res
    }
  }
}

function budgetKey(corpId: string, endpoint: string): string {
  const key = `${corpId}:${endpoint}`
  return key.length <= MAX_KEY ? key : createHash('sha256').update(key).digest('base64url')
}
