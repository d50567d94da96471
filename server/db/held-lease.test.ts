// withHeldLease: waits for another holder, gives up with the caller's error, releases after the work (also on failure).
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { DbHandle } from './connect'
import { silentLogger } from '../lib/logger'
import { createTestDb } from '../testing/test-db'
import { withHeldLease, type HeldLeaseOptions } from './held-lease'
import { releaseLease, tryAcquireLease } from './lease'

let handle: DbHandle
beforeAll(async () => {
  handle = await createTestDb()
})
afterAll(async () => handle?.close())

const NOW = 1_000_000
const opts = (owner: string, over: Partial<HeldLeaseOptions> = {}): HeldLeaseOptions => ({
  owner,
  ttlMs: 30_000,
  pollMs: 10,
  maxWaitMs: 1000,
  now: () => NOW,
  log: silentLogger,
  busy: () => new Error('busy'),
  ...over,
})
const holder = async (name: string) =>
  (await handle.db.selectFrom('job_locks').select('locked_by').where('name', '=', name).executeTakeFirst())?.locked_by

it('waits while another owner holds the lease and runs once it is released', async () => {
  await tryAcquireLease(handle.db, 'w', 'other', 30_000, NOW)
  let polls = 0
  const sleep = async () => {
    if (++polls === 3) await releaseLease(handle.db, 'w', 'other', NOW)
  }
  const seen = await withHeldLease(handle.db, 'w', opts('me', { sleep }), () => holder('w'))
  expect(seen).toBe('me')
  expect(polls).toBe(3)
  expect(await holder('w')).toBeNull()
})

it('throws the busy error after maxWaitMs of polls, and releases after a failing body', async () => {
  await tryAcquireLease(handle.db, 'b', 'other', 30_000, NOW)
  let polls = 0
  const sleep = async () => void polls++
  await expect(withHeldLease(handle.db, 'b', opts('me', { sleep, maxWaitMs: 50 }), async () => 1)).rejects.toThrow('busy')
  expect(polls).toBe(5)
  expect(await holder('b')).toBe('other')

  await expect(withHeldLease(handle.db, 'f', opts('me'), async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom')
  expect(await holder('f')).toBeNull()
})
