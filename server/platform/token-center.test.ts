// Token center on the current TEST_DB dialect: one fetch per refresh across two instances, exact invalidation.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { DbHandle } from '../db/connect'
import { tryAcquireLease } from '../db/lease'
import { ManualClock } from '../lib/clock'
import { silentLogger } from '../lib/logger'
import { SecretBox } from '../lib/secret-box'
import { createTestDb, openSecondHandle } from '../testing/test-db'
import { TokenCenter, type TokenFetcher } from './token-center'

const ORG = 7
const APP = 'contact'
const MARGIN = 5 * 60_000

let first: DbHandle
let second: DbHandle
let clock: ManualClock
let secrets: SecretBox
let a: TokenCenter
let b: TokenCenter

beforeEach(async () => {
  first = await createTestDb()
  second = await openSecondHandle(first)
  // Open the second pool's connection now, or its lazy connect alone would serialise the two instances.
  await second.db.selectFrom('platform_tokens').select('id').execute()
  clock = new ManualClock()
  secrets = new SecretBox('token-center-test')
  const common = { clock, secrets, log: silentLogger, marginMs: MARGIN, leaseTtlMs: 10_000, pollMs: 5 }
  a = new TokenCenter({ ...common, db: first.db, instanceId: 'instance-a' })
  b = new TokenCenter({ ...common, db: second.db, instanceId: 'instance-b' })
})

afterEach(async () => {
  await second.close()
  await first.close()
})

/** A gettoken stand-in that counts calls and answers tok-1, tok-2, … after a little latency. */
function countingFetcher(latencyMs = 50, expiresIn = 7200) {
  const f = Object.assign(
    async () => {
      f.calls++
      const n = f.calls
      await new Promise((r) => setTimeout(r, latencyMs))
      return { token: `tok-${n}`, expiresIn }
    },
    { calls: 0 },
  )
  return f satisfies TokenFetcher
}

/** 50 concurrent gets, alternating between the two instances. */
function burst(fetcher: TokenFetcher, n = 50): Promise<string[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => (i % 2 ? b : a).get(ORG, APP, fetcher)))
}

async function storedRows() {
  return first.db.selectFrom('platform_tokens').selectAll().execute()
}

describe('TokenCenter.get', () => {
  it('fetches exactly once for 50 concurrent gets on two instances, and stores the token sealed', async () => {
    const fetcher = countingFetcher()
    const tokens = await burst(fetcher)
    expect(fetcher.calls).toBe(1)
    expect(new Set(tokens)).toEqual(new Set(['tok-1']))

    const rows = await storedRows()
    expect(rows).toHaveLength(1)
    expect(rows[0].token_sealed).not.toContain('tok-1')
    expect(secrets.open(rows[0].token_sealed)).toBe('tok-1')
    expect(Number(rows[0].expires_at)).toBe(clock.now() + 7200_000)
    expect(Number(rows[0].refreshed_at)).toBe(clock.now())
    // The lease is handed back, not left to expire.
    const lock = await first.db.selectFrom('job_locks').selectAll().where('name', '=', `token:${ORG}:${APP}`).executeTakeFirstOrThrow()
    expect(lock.locked_by).toBeNull()
  })

  it('serves the stored token until expiry minus the margin, then refreshes once', async () => {
    const fetcher = countingFetcher()
    await a.get(ORG, APP, fetcher)
    const expiresAt = clock.now() + 7200_000

    clock.set(expiresAt - MARGIN - 1)
    expect(await burst(fetcher)).toEqual(Array(50).fill('tok-1'))
    expect(fetcher.calls).toBe(1)

    clock.set(expiresAt - MARGIN)
    expect(new Set(await burst(fetcher))).toEqual(new Set(['tok-2']))
    expect(fetcher.calls).toBe(2)
    const [row] = await storedRows()
    expect(Number(row.expires_at)).toBe(clock.now() + 7200_000)
  })

  it('a fresh instance reads the stored token instead of fetching', async () => {
    const fetcher = countingFetcher()
    await a.get(ORG, APP, fetcher)
    const c = new TokenCenter({ db: second.db, clock, secrets, log: silentLogger, instanceId: 'instance-c' })
    expect(await c.get(ORG, APP, fetcher)).toBe('tok-1')
    expect(fetcher.calls).toBe(1)
  })

  it('keeps tokens of different orgs and apps apart', async () => {
    const fetcher = countingFetcher()
    await a.get(ORG, APP, fetcher)
    await a.get(ORG, 'agent', fetcher)
    await b.get(ORG + 1, APP, fetcher)
    expect(fetcher.calls).toBe(3)
    expect(await storedRows()).toHaveLength(3)
  })

  it('minValidityMs forces a refresh of a token the margin alone would keep', async () => {
    const fetcher = countingFetcher()
    await a.get(ORG, APP, fetcher)
    clock.advance(60 * 60_000)
    expect(await a.get(ORG, APP, fetcher)).toBe('tok-1')
    expect(await b.get(ORG, APP, fetcher, { minValidityMs: 90 * 60_000 })).toBe('tok-2')
    expect(fetcher.calls).toBe(2)
  })

  it('passes a fetch failure to every waiter, releases the lease, and lets the next get try again', async () => {
    let calls = 0
    const failing: TokenFetcher = async () => {
      calls++
      await new Promise((r) => setTimeout(r, 10))
      throw new Error('40001 invalid secret')
    }
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => a.get(ORG, APP, failing)))
    expect(results.every((r) => r.status === 'rejected' && /40001/.test(String(r.reason)))).toBe(true)
    expect(calls).toBe(1)
    const fetcher = countingFetcher()
    expect(await b.get(ORG, APP, fetcher)).toBe('tok-1')
    expect(await storedRows()).toHaveLength(1)
  })

  it('waits for a lease held by a crashed instance to expire, then fetches', async () => {
    await tryAcquireLease(first.db, `token:${ORG}:${APP}`, 'crashed', 10_000, clock.now())
    const fetcher = countingFetcher(0)
    const pending = b.get(ORG, APP, fetcher)
    await new Promise((r) => setTimeout(r, 50))
    expect(fetcher.calls).toBe(0)
    clock.advance(10_001)
    expect(await pending).toBe('tok-1')
    expect(fetcher.calls).toBe(1)
  })

  it('inside the margin, a platform that hands back the same token is asked at most once per cooldown, on any instance', async () => {
    // Like WeCom and the sandbox: the same token until it expires, with the lifetime that is left.
    let expiresAt = 0
    let calls = 0
    const sameToken: TokenFetcher = async () => {
      calls++
      if (!expiresAt || expiresAt <= clock.now()) expiresAt = clock.now() + 7200_000
      return { token: `tok-${expiresAt}`, expiresIn: Math.floor((expiresAt - clock.now()) / 1000) }
    }
    const first = await a.get(ORG, APP, sameToken)
    clock.set(expiresAt - MARGIN + 1000)
    // 4 minutes of traffic on both instances, a call every 10 s: one fetch per minute, not one per call.
    for (let i = 0; i < 24; i++) {
      expect(await (i % 2 ? b : a).get(ORG, APP, sameToken)).toBe(first)
      clock.advance(10_000)
    }
    expect(calls).toBe(1 + 4)
    // Once it has really expired, the next get fetches the new token at once.
    clock.set(expiresAt)
    expect(await b.get(ORG, APP, sameToken)).not.toBe(first)
    expect(calls).toBe(6)
  })

  it('the cooldown never hands out an expired token, and invalidation still forces a fetch', async () => {
    const fetcher = countingFetcher(0, 60)
    expect(await a.get(ORG, APP, fetcher)).toBe('tok-1')
    expect(await a.get(ORG, APP, fetcher)).toBe('tok-1')
    expect(fetcher.calls).toBe(1)
    clock.advance(60_000)
    expect(await a.get(ORG, APP, fetcher)).toBe('tok-2')
    expect(await a.invalidate(ORG, APP, 'tok-2')).toBe(true)
    expect(await b.get(ORG, APP, fetcher)).toBe('tok-3')
    expect(fetcher.calls).toBe(3)
  })

  it('refuses a fetcher result without a token or lifetime', async () => {
    await expect(a.get(ORG, APP, async () => ({ token: '', expiresIn: 7200 }))).rejects.toThrow(/no usable token/)
    await expect(a.get(ORG, APP, async () => ({ token: 't', expiresIn: 0 }))).rejects.toThrow(/no usable token/)
    expect(await storedRows()).toHaveLength(0)
  })
})

describe('TokenCenter.invalidate', () => {
  it('50 concurrent invalidations of the same failed token cause exactly one more fetch', async () => {
    const fetcher = countingFetcher()
    await burst(fetcher)
    const cleared = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? b : a).invalidate(ORG, APP, 'tok-1')))
    expect(cleared.filter(Boolean)).toHaveLength(1)
    expect(await storedRows()).toHaveLength(0)

    expect(new Set(await burst(fetcher))).toEqual(new Set(['tok-2']))
    expect(fetcher.calls).toBe(2)
  })

  it('late invalidations of the old token leave its replacement alone', async () => {
    const fetcher = countingFetcher()
    await a.get(ORG, APP, fetcher)
    expect(await a.invalidate(ORG, APP, 'tok-1')).toBe(true)
    expect(await a.get(ORG, APP, fetcher)).toBe('tok-2')
    expect(await b.invalidate(ORG, APP, 'tok-1')).toBe(false)
    expect(await b.get(ORG, APP, fetcher)).toBe('tok-2')
    expect(fetcher.calls).toBe(2)
  })

  it('does nothing for a token that is not the stored one', async () => {
    const fetcher = countingFetcher()
    await a.get(ORG, APP, fetcher)
    expect(await a.invalidate(ORG, APP, 'tok-0')).toBe(false)
    expect(await b.invalidate(ORG, APP, 'tok-0')).toBe(false)
    expect(await storedRows()).toHaveLength(1)
    expect(await a.get(ORG, APP, fetcher)).toBe('tok-1')
    expect(await b.get(ORG, APP, fetcher)).toBe('tok-1')
    expect(fetcher.calls).toBe(1)
  })

  it("clears this instance's cache even when another instance already replaced the token", async () => {
    const fetcher = countingFetcher()
    await a.get(ORG, APP, fetcher)
    // b learns that tok-1 is dead and replaces it; a still has tok-1 cached.
    await b.invalidate(ORG, APP, 'tok-1')
    expect(await b.get(ORG, APP, fetcher)).toBe('tok-2')
    expect(await a.get(ORG, APP, fetcher)).toBe('tok-1')
    // When a's own call fails with tok-1, invalidating it drops the cache and a picks up tok-2 without fetching.
    expect(await a.invalidate(ORG, APP, 'tok-1')).toBe(false)
    expect(await a.get(ORG, APP, fetcher)).toBe('tok-2')
    expect(fetcher.calls).toBe(2)
  })
  it('a read that raced the invalidation never brings the refused token back, not even to a caller joining it', async () => {
    const fetcher = countingFetcher(5)
    await a.get(ORG, APP, fetcher)
    a.forget(ORG, APP)
    // This get reads the row while tok-1 is still stored; the invalidation starts before that read returns.
    const raced = a.get(ORG, APP, fetcher)
    const joined = a.get(ORG, APP, fetcher)
    const invalidated = a.invalidate(ORG, APP, 'tok-1')
    expect(await raced).toBe('tok-2')
    expect(await joined).toBe('tok-2')
    await invalidated
    expect(await a.get(ORG, APP, fetcher)).toBe('tok-2')
    expect(fetcher.calls).toBe(2)
  })

  it('accepts a refused token again when the platform itself hands it back', async () => {
    let calls = 0
    const same: TokenFetcher = async () => ({ token: `same-${Math.min(++calls, 1)}`, expiresIn: 7200 })
    await a.get(ORG, APP, same)
    await a.invalidate(ORG, APP, 'same-1')
    expect(await a.get(ORG, APP, same)).toBe('same-1')
    expect(await a.get(ORG, APP, same)).toBe('same-1')
    expect(calls).toBe(2)
  })
})

describe('TokenCenter.forget', () => {
  it('drops the cached copy only: a stored token is read again, a deleted one is fetched', async () => {
    const fetcher = countingFetcher(0)
    await a.get(ORG, APP, fetcher)
    a.forget(ORG, APP)
    expect(await a.get(ORG, APP, fetcher)).toBe('tok-1')
    expect(fetcher.calls).toBe(1)
    // As after saveConfig with a new secret: rows deleted, the cache would still answer without forget.
    await first.db.deleteFrom('platform_tokens').execute()
    expect(await a.get(ORG, APP, fetcher)).toBe('tok-1')
    a.forget(ORG, APP)
    expect(await a.get(ORG, APP, fetcher)).toBe('tok-2')
    expect(fetcher.calls).toBe(2)
  })
})

describe('TokenCenter.expiringWithin', () => {
  it('lists the rows that expire inside the window, soonest first', async () => {
    await a.get(ORG, APP, async () => ({ token: 'long', expiresIn: 7200 }))
    await a.get(ORG, 'agent', async () => ({ token: 'short', expiresIn: 1200 }))
    await a.get(ORG + 1, APP, async () => ({ token: 'mid', expiresIn: 3000 }))
    const now = clock.now()
    expect(await b.expiringWithin(30 * 60_000)).toEqual([{ orgId: ORG, app: 'agent', expiresAt: now + 1200_000 }])
    expect((await b.expiringWithin(60 * 60_000)).map((t) => t.app + t.orgId)).toEqual([`agent${ORG}`, `contact${ORG + 1}`])
    expect(await b.expiringWithin(0)).toEqual([])
  })
})
