// The limiter keeps every sliding window within budget and makes callers wait rather than fail.
import { describe, expect, it } from 'vitest'
import { ManualClock } from '../lib/clock'
import { RateLimiter } from './rate-limiter'

/** A limiter on a manual clock whose sleep moves that clock, so waiting costs no real time. */
function setup(limit: { perMinute: number; perHour?: number }, overrides = {}) {
  const clock = new ManualClock(0)
  const sent: number[] = []
  const sleeps: number[] = []
  const limiter = new RateLimiter({
    limit,
    overrides,
    clock,
    sleep: async (ms) => {
      sleeps.push(ms)
      clock.advance(ms)
    },
  })
  const call = async (corp = 'ww1', endpoint = '/cgi-bin/x') => {
    await limiter.acquire(corp, endpoint)
    sent.push(clock.now())
  }
  return { clock, limiter, sent, sleeps, call }
}

function maxInWindow(times: number[], windowMs: number): number {
  let best = 0
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i] - times[j] >= windowMs) j++
    best = Math.max(best, i - j + 1)
  }
  return best
}

describe('RateLimiter', () => {
  it('lets a small burst through at once, then paces calls instead of failing', async () => {
    const { call, sleeps, sent } = setup({ perMinute: 100 })
    for (let i = 0; i < 5; i++) await call()
    expect(sleeps).toEqual([])
    await call()
    expect(sleeps).toHaveLength(1)
    expect(sleeps[0]).toBeGreaterThan(0)
    expect(sent).toHaveLength(6)
  })

  it('never lets more than the per-minute limit into any 60 s window', async () => {
    const { call, sent } = setup({ perMinute: 100 })
    for (let i = 0; i < 350; i++) await call()
    expect(maxInWindow(sent, 60_000)).toBeLessThanOrEqual(100)
    // …and still uses most of the budget.
    expect(maxInWindow(sent, 60_000)).toBeGreaterThanOrEqual(95)
  })

  it('gives concurrent callers distinct, evenly spaced slots', async () => {
    // Time stands still here, so every caller reserves at the same instant.
    const sleeps: number[] = []
    const limiter = new RateLimiter({ limit: { perMinute: 60 }, clock: new ManualClock(0), sleep: async (ms) => void sleeps.push(ms) })
    await Promise.all(Array.from({ length: 120 }, () => limiter.acquire('ww1', '/p')))
    // Burst of 3 (5 % of 60) goes at once; the other 117 wait, one interval (60 s / 57) apart.
    expect(sleeps).toHaveLength(117)
    const interval = 60_000 / 57
    sleeps.forEach((ms, i) => expect(ms).toBeCloseTo((i + 1) * interval, 6))
  })

  it('applies the hourly window as well', async () => {
    const { call, sent } = setup({ perMinute: 100, perHour: 300 })
    for (let i = 0; i < 700; i++) await call()
    expect(maxInWindow(sent, 3_600_000)).toBeLessThanOrEqual(300)
    expect(maxInWindow(sent, 60_000)).toBeLessThanOrEqual(100)
  })

  it('keeps separate budgets per corp and per endpoint, with per-endpoint overrides', async () => {
    const { call, sleeps } = setup({ perMinute: 20 }, { '/slow': { perMinute: 2 } })
    await call('ww1', '/a')
    await call('ww1', '/b')
    await call('ww2', '/a')
    expect(sleeps).toEqual([])
    await call('ww1', '/slow')
    await call('ww1', '/slow')
    expect(sleeps).toHaveLength(1)
    expect(sleeps[0]).toBe(60_000)
  })
})
