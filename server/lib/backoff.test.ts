// Backoff: the exponential ceiling, its cap, and the range each jitter keeps to.
import { describe, expect, it } from 'vitest'
import { backoffMs } from './backoff'

describe('backoffMs', () => {
  const base = { baseMs: 100, maxMs: 1000 }
  it('full jitter spreads over [0, ceiling)', () => {
    expect(backoffMs(0, { ...base, jitter: 'full' }, () => 0)).toBe(0)
    expect(backoffMs(0, { ...base, jitter: 'full' }, () => 0.999)).toBe(99)
    expect(backoffMs(3, { ...base, jitter: 'full' }, () => 0.5)).toBe(400)
    expect(backoffMs(20, { ...base, jitter: 'full' }, () => 0.999)).toBe(999)
  })
  it('equal jitter stays in [ceiling/2, ceiling]', () => {
    expect(backoffMs(0, { ...base, jitter: 'equal' }, () => 0)).toBe(50)
    expect(backoffMs(0, { ...base, jitter: 'equal' }, () => 1)).toBe(100)
    expect(backoffMs(2, { ...base, jitter: 'equal' }, () => 0)).toBe(200)
    expect(backoffMs(20, { ...base, jitter: 'equal' }, () => 1)).toBe(1000)
  })
  it('treats a negative step as the first retry', () => {
    expect(backoffMs(-1, { ...base, jitter: 'equal' }, () => 1)).toBe(100)
  })
})
