// OrgReadCache: reuse within the TTL, per database and org, misses not kept, a forget beats a load in flight, bounded size.
import { describe, expect, it } from 'vitest'
import { OrgReadCache } from './org-read-cache'

describe('OrgReadCache', () => {
  const counting = <V>(value: V) => {
    const calls = { n: 0 }
    return { calls, load: async () => (calls.n++, value) }
  }

  it('reuses a value per (database, org, key) and reads again after forgetOrg', async () => {
    const cache = new OrgReadCache<string | undefined>()
    const dbA = {}
    const dbB = {}
    const { calls, load } = counting<string | undefined>('row')
    expect(await cache.get(dbA, 1, 'k', load)).toBe('row')
    expect(await cache.get(dbA, 1, 'k', load)).toBe('row')
    expect(calls.n).toBe(1)
    await cache.get(dbB, 1, 'k', load)
    await cache.get(dbA, 2, 'k', load)
    expect(calls.n).toBe(3)
    cache.forgetOrg(dbA, 1)
    await cache.get(dbA, 1, 'k', load)
    await cache.get(dbA, 2, 'k', load)
    expect(calls.n).toBe(4)
  })

  it('does not keep what keep() refuses, nor a load that a forget overtook', async () => {
    const cache = new OrgReadCache<string | undefined>()
    const db = {}
    const miss = counting<string | undefined>(undefined)
    await cache.get(db, 1, 'gone', miss.load, (v) => v !== undefined)
    await cache.get(db, 1, 'gone', miss.load, (v) => v !== undefined)
    expect(miss.calls.n).toBe(2)

    let release!: (v: string) => void
    const slow = cache.get(db, 1, 'k', () => new Promise<string>((r) => (release = r)))
    cache.forgetOrg(db, 1)
    release('old')
    expect(await slow).toBe('old')
    const fresh = counting('new')
    expect(await cache.get(db, 1, 'k', fresh.load)).toBe('new')
    expect(fresh.calls.n).toBe(1)
  })

  it('expires after the TTL and stays within maxEntries', async () => {
    const cache = new OrgReadCache<string>({ ttlMs: 0, maxEntries: 2 })
    const db = {}
    const { calls, load } = counting('v')
    await cache.get(db, 1, 'k', load)
    await cache.get(db, 1, 'k', load)
    expect(calls.n).toBe(2)

    const small = new OrgReadCache<string>({ maxEntries: 2 })
    const c = counting('v')
    for (const k of ['a', 'b', 'c']) await small.get(db, 1, k, c.load)
    await small.get(db, 1, 'a', c.load) // evicted by 'c'
    await small.get(db, 1, 'c', c.load) // still there
    expect(c.calls.n).toBe(4)
  })
})
