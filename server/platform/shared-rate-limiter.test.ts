// The shared WeCom call budget: two instances (two pools or two Redis clients) share one budget, and callers beyond it wait.
import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DbHandle } from '../db/connect'
import { silentLogger } from '../lib/logger'
import { createTestDb, openSecondHandle, TEST_DIALECT } from '../testing/test-db'
import { realSleep } from './http'
import { RateLimiter } from './rate-limiter'
import { SharedBudget, sharedWindows, type BudgetWindow, type RateLimitStore } from './shared-rate-limiter'

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'

async function redisReachable(): Promise<boolean> {
  const probe = new Redis(REDIS_URL, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null })
  probe.on('error', () => {})
  try {
    await probe.connect()
    return (await probe.ping()) === 'PONG'
  } catch {
    return false
  } finally {
    probe.disconnect()
  }
}
const withRedis = await redisReachable()

/** A budget of 20 per second (real time: the library counts with Date.now) on the given store. */
const WINDOW: BudgetWindow = { points: 20, durationMs: 1000 }
function budget(store: RateLimitStore, fallbacks: { n: number } = { n: 0 }): SharedBudget {
  return new SharedBudget({
    store,
    windowsFor: () => [WINDOW],
    fallback: async () => void fallbacks.n++,
    log: silentLogger,
    sleep: realSleep,
  })
}

/** 40 calls at once, 20 through each instance: how many got a slot without waiting. */
async function race(a: SharedBudget, b: SharedBudget, corpId: string): Promise<{ immediate: number; waited: number }> {
  const waits = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).acquire(corpId, '/cgi-bin/ticket/get')))
  return { immediate: waits.filter((w) => w === 0).length, waited: waits.filter((w) => w > 0).length }
}

describe('sharedWindows', () => {
  it('splits a limit into six windows per period whose any full-period span stays within the limit', () => {
    expect(sharedWindows({ perMinute: 10_000, perHour: 150_000 })).toEqual([
      { points: 1428, durationMs: 10_000 },
      { points: 21_428, durationMs: 600_000 },
    ])
    // The jsapi ticket cap: 400/h → 57 per 10 minutes; 7 windows touched by any hour hold 399.
    const [, hour] = sharedWindows({ perMinute: 400, perHour: 400 })
    expect(hour).toEqual({ points: 57, durationMs: 600_000 })
    expect(7 * hour.points).toBeLessThanOrEqual(400)
    expect(sharedWindows({ perMinute: 3 })).toEqual([{ points: 1, durationMs: 10_000 }])
  })
})

describe.runIf(TEST_DIALECT === 'mysql')('on MySQL (two instances, two pools)', () => {
  let first: DbHandle
  let second: DbHandle
  beforeAll(async () => {
    first = await createTestDb()
    second = await openSecondHandle(first)
  })
  afterAll(async () => {
    await second?.close()
    await first?.close()
  })

  it('lets 20 of 40 concurrent calls through at once and makes the other 20 wait', async () => {
    const fallbacks = { n: 0 }
    const a = budget({ kind: 'mysql', ...first.mysql! }, fallbacks)
    const b = budget({ kind: 'mysql', ...second.mysql! }, fallbacks)
    expect(await race(a, b, 'wwcorpA')).toEqual({ immediate: 20, waited: 20 })
    // Lock races between the two pools were retried, never turned into the per-instance fallback.
    expect(fallbacks.n).toBe(0)
    const rows = await sql<{ key: string }>`select \`key\` from rate_limits`.execute(first.db)
    expect(rows.rows.map((r) => r.key)).toEqual(['wecom:20/1000:wwcorpA:/cgi-bin/ticket/get'])
  })

  it('keeps corps apart: each has its own budget', async () => {
    const a = budget({ kind: 'mysql', ...first.mysql! })
    const b = budget({ kind: 'mysql', ...second.mysql! })
    const [x, y] = await Promise.all([
      Promise.all(Array.from({ length: 20 }, () => a.acquire('wwcorpX', '/e'))),
      Promise.all(Array.from({ length: 20 }, () => b.acquire('wwcorpY', '/e'))),
    ])
    expect([...x, ...y].every((w) => w === 0)).toBe(true)
  })

  it('RateLimiter with a MySQL store counts in the table (the WeCom limits, sliced)', async () => {
    const limiter = new RateLimiter({ limit: { perMinute: 700 }, store: { kind: 'mysql', ...first.mysql! } })
    expect(limiter.scope).toBe('mysql')
    await limiter.acquire('wwcorpZ', '/cgi-bin/user/get')
    await limiter.acquire('wwcorpZ', '/cgi-bin/user/get')
    const rows = await sql<{
      points: number
    }>`select points from rate_limits where \`key\` = ${'wecom:100/10000:wwcorpZ:/cgi-bin/user/get'}`.execute(first.db)
    expect(rows.rows.map((r) => Number(r.points))).toEqual([2])
  })
})

describe.runIf(withRedis)('on Redis (two instances, two clients)', () => {
  const clients: Redis[] = []
  // Ready first: until then the store refuses at once and calls take the fallback.
  const client = async () => {
    const c = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 })
    clients.push(c)
    await new Promise((resolve) => c.once('ready', resolve))
    return c
  }
  afterAll(async () => {
    for (const c of clients) await c.quit()
  })

  it('lets 20 of 40 concurrent calls through at once and makes the other 20 wait', async () => {
    const corp = `wwcorp${randomBytes(4).toString('hex')}`
    const fallbacks = { n: 0 }
    const a = budget({ kind: 'redis', client: await client() }, fallbacks)
    const b = budget({ kind: 'redis', client: await client() }, fallbacks)
    expect(await race(a, b, corp)).toEqual({ immediate: 20, waited: 20 })
    expect(fallbacks.n).toBe(0)
  })
})

describe('when the store is unreachable', () => {
  it('falls back to the instance budget for the call instead of failing or hanging', async () => {
    const dead = new Redis('redis://127.0.0.1:1', {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      lazyConnect: true,
      retryStrategy: () => null,
    })
    dead.on('error', () => {})
    try {
      const fallbacks = { n: 0 }
      const shared = budget({ kind: 'redis', client: dead }, fallbacks)
      await Promise.all(Array.from({ length: 5 }, () => shared.acquire('wwcorpD', '/e')))
      expect(fallbacks.n).toBe(5)
      // The facade's fallback is its own in-process windows: the call still goes ahead.
      const limiter = new RateLimiter({ store: { kind: 'redis', client: dead } })
      await limiter.acquire('wwcorpD', '/e')
      expect(limiter.scope).toBe('redis')
    } finally {
      dead.disconnect()
    }
  })
})
