// Durable queue behaviour on the test dialect: dedupe, transactions, backoff, dead rows, reclaiming, wake-up, two instances.
import { setImmediate as nextTurn } from 'node:timers/promises'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { DbHandle } from '../db/connect'
import { ManualClock, systemClock } from '../lib/clock'
import { silentLogger } from '../lib/logger'
import { createTestDb, openSecondHandle, countRows } from '../testing/test-db'
import { backoffDelay, PermanentJobError, Queue, type QueueOptions } from './queue'
import { PlatformError } from '../platform/errors'

let handle: DbHandle
let clock: ManualClock
const queues: Queue[] = []

function makeQueue(opts: Partial<QueueOptions> = {}): Queue {
  const q = new Queue({ db: handle.db, clock, log: silentLogger, instanceId: 'q-test', backoff: { baseMs: 1000, maxMs: 60_000 }, ...opts })
  queues.push(q)
  return q
}

const rowOf = (id: number) => handle.db.selectFrom('queue_jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
const jobRows = () => countRows(handle.db, 'queue_jobs')

function deferred<T = void>() {
  let resolve!: (v: T) => void
  const promise = new Promise<T>((r) => (resolve = r))
  return { promise, resolve }
}

beforeEach(async () => {
  handle = await createTestDb()
  clock = new ManualClock()
})

afterEach(async () => {
  await Promise.all(queues.splice(0).map((q) => q.stop()))
  await handle.close()
})

describe('rate-limited jobs', () => {
  it('a job whose platform call was rate-limited is rescheduled after the pause without spending an attempt', async () => {
    const q = makeQueue()
    let runs = 0
    q.register('send', async () => {
      runs++
      if (runs === 1) {
        const e = new PlatformError('wecom', 'message/send', 45009, 'api freq out of limit')
        e.retryAfterMs = 60_000
        throw e
      }
    })
    const id = (await q.enqueue(handle.db, 'send', {})).id!
    await q.runUntilIdle()
    const row = await rowOf(id)
    expect(row).toMatchObject({ status: 'pending', attempts: 0, locked_by: null })
    expect(Number(row.run_after)).toBe(clock.now() + 60_000)
    clock.advance(60_000)
    await q.runUntilIdle()
    expect(await rowOf(id)).toMatchObject({ status: 'done', attempts: 1 })
    expect(runs).toBe(2)
  })
})

describe('enqueue', () => {
  it('enqueues a dedupe key once, even after the first job has run', async () => {
    const q = makeQueue()
    q.register('welcome', async () => {})
    const first = await q.enqueue(handle.db, 'welcome', { customer: 1 }, { dedupeKey: 'welcome:1', orgId: 7 })
    const second = await q.enqueue(handle.db, 'welcome', { customer: 1 }, { dedupeKey: 'welcome:1', orgId: 7 })
    expect(first).toEqual({ id: expect.any(Number), created: true })
    expect(second).toEqual({ id: first.id, created: false })
    expect(await jobRows()).toBe(1)

    expect(await q.runUntilIdle()).toBe(1)
    expect((await q.enqueue(handle.db, 'welcome', {}, { dedupeKey: 'welcome:1' })).created).toBe(false)
    expect(await jobRows()).toBe(1)

    // Without a key every enqueue is a new job.
    await q.enqueue(handle.db, 'welcome', { customer: 2 })
    await q.enqueue(handle.db, 'welcome', { customer: 2 })
    expect(await jobRows()).toBe(3)
  })

  it('stores the payload as JSON and the options on the row', async () => {
    const q = makeQueue()
    const { id } = await q.enqueue(handle.db, 'k', { a: [1, '二'] }, { orgId: 3, runAfter: clock.now() + 5000, maxAttempts: 2 })
    const row = await rowOf(id!)
    expect(JSON.parse(row.payload)).toEqual({ a: [1, '二'] })
    expect(row).toMatchObject({ org_id: 3, status: 'pending', attempts: 0, max_attempts: 2, run_after: clock.now() + 5000 })
  })

  it('leaves no row when the enqueuing transaction rolls back, and one when it commits', async () => {
    const q = makeQueue()
    await expect(
      handle.db.transaction().execute(async (trx) => {
        await q.enqueue(trx, 'k', { n: 1 }, { dedupeKey: 'tx-1' })
        throw new Error('state change failed')
      }),
    ).rejects.toThrow('state change failed')
    expect(await jobRows()).toBe(0)

    await handle.db.transaction().execute(async (trx) => {
      await q.enqueue(trx, 'k', { n: 1 }, { dedupeKey: 'tx-1' })
    })
    expect(await jobRows()).toBe(1)
  })
})

describe('running jobs', () => {
  it('runs a job once and marks it done', async () => {
    const q = makeQueue()
    const seen: unknown[] = []
    q.register<{ x: number }>('k', async (job) => {
      seen.push({ payload: job.payload, attempts: job.attempts, orgId: job.orgId, kind: job.kind })
    })
    const { id } = await q.enqueue(handle.db, 'k', { x: 1 }, { orgId: 5 })
    expect(await q.runUntilIdle()).toBe(1)
    expect(seen).toEqual([{ payload: { x: 1 }, attempts: 1, orgId: 5, kind: 'k' }])
    expect(await rowOf(id!)).toMatchObject({ status: 'done', attempts: 1, locked_by: null, finished_at: clock.now() })
    expect(await q.runUntilIdle()).toBe(0)
  })

  it('also runs jobs that handlers enqueue, and leaves future jobs alone', async () => {
    const q = makeQueue()
    const ran: string[] = []
    q.register<{ step: number }>('chain', async (job) => {
      ran.push(`chain${job.payload.step}`)
      if (job.payload.step < 3) await q.enqueue(handle.db, 'chain', { step: job.payload.step + 1 })
    })
    q.register('later', async () => {
      ran.push('later')
    })
    await q.enqueue(handle.db, 'later', {}, { runAfter: clock.now() + 60_000 })
    await q.enqueue(handle.db, 'chain', { step: 1 })
    expect(await q.runUntilIdle()).toBe(3)
    expect(ran).toEqual(['chain1', 'chain2', 'chain3'])
    clock.advance(60_000)
    expect(await q.runUntilIdle()).toBe(1)
    expect(ran.at(-1)).toBe('later')
  })

  it('retries a failing job with growing backoff, then marks it dead with the last error', async () => {
    const q = makeQueue()
    let calls = 0
    q.register('flaky', async () => {
      calls++
      throw new Error(`upstream 502 (call ${calls})`)
    })
    const { id } = await q.enqueue(handle.db, 'flaky', {}, { maxAttempts: 4 })
    const delays: number[] = []
    for (let attempt = 1; attempt <= 3; attempt++) {
      expect(await q.runUntilIdle()).toBe(1)
      const row = await rowOf(id!)
      expect(row).toMatchObject({ status: 'pending', attempts: attempt, locked_by: null, finished_at: null })
      expect(row.last_error).toContain(`upstream 502 (call ${attempt})`)
      const delay = row.run_after - clock.now()
      // Equal jitter: between half and all of base·2^(n-1).
      expect(delay).toBeGreaterThanOrEqual(500 * 2 ** (attempt - 1))
      expect(delay).toBeLessThanOrEqual(1000 * 2 ** (attempt - 1))
      delays.push(delay)
      // Not runnable before its backoff has passed.
      expect(await q.runUntilIdle()).toBe(0)
      clock.set(row.run_after)
    }
    expect(delays[1]).toBeGreaterThanOrEqual(delays[0])
    expect(delays[2]).toBeGreaterThanOrEqual(delays[1])

    expect(await q.runUntilIdle()).toBe(1)
    const dead = await rowOf(id!)
    expect(dead).toMatchObject({ status: 'dead', attempts: 4, finished_at: clock.now() })
    expect(dead.last_error).toContain('upstream 502 (call 4)')
    expect(dead.last_error).toContain('at ') // the head of the stack is kept
    expect(calls).toBe(4)
    clock.advance(24 * 3600_000)
    expect(await q.runUntilIdle()).toBe(0)
    expect(calls).toBe(4)
  })

  it('marks a job of an unknown kind dead with a clear error instead of dropping it', async () => {
    const q = makeQueue()
    const { id } = await q.enqueue(handle.db, 'no-such-kind', {})
    expect(await q.runUntilIdle()).toBe(1)
    const row = await rowOf(id!)
    expect(row.status).toBe('dead')
    expect(row.last_error).toContain('no handler registered for job kind "no-such-kind"')
  })

  it('sends a job that throws PermanentJobError straight to dead', async () => {
    const q = makeQueue()
    let calls = 0
    q.register('bad', async () => {
      calls++
      throw new PermanentJobError('customer 42 no longer exists')
    })
    const { id } = await q.enqueue(handle.db, 'bad', {}, { maxAttempts: 8 })
    expect(await q.runUntilIdle()).toBe(1)
    const row = await rowOf(id!)
    expect(row).toMatchObject({ status: 'dead', attempts: 1 })
    expect(row.last_error).toContain('PermanentJobError: customer 42 no longer exists')
    clock.advance(3600_000)
    expect(await q.runUntilIdle()).toBe(0)
    expect(calls).toBe(1)
  })

  it('retry() brings a dead job back with a fresh attempt budget and it runs', async () => {
    const q = makeQueue()
    let fail = true
    q.register('k', async () => {
      if (fail) throw new PermanentJobError('token expired')
    })
    const { id } = await q.enqueue(handle.db, 'k', {}, { orgId: 1 })
    await q.runUntilIdle()
    expect((await rowOf(id!)).status).toBe('dead')

    // Another org's admin cannot retry it, nor can the platform-only scope.
    expect(await q.retry(id!, 2)).toBe(false)
    expect(await q.retry(id!, null)).toBe(false)
    expect(await q.retry(id!, 1)).toBe(true)
    expect(await rowOf(id!)).toMatchObject({ status: 'pending', attempts: 0, run_after: clock.now(), finished_at: null })
    expect((await rowOf(id!)).last_error).toContain('token expired')

    fail = false
    expect(await q.runUntilIdle()).toBe(1)
    expect(await rowOf(id!)).toMatchObject({ status: 'done', attempts: 1 })
    // A done job is not retried.
    expect(await q.retry(id!)).toBe(false)
  })

  it('retryDead() retries only the given org’s dead jobs', async () => {
    const q = makeQueue()
    q.register('k', async () => {
      throw new PermanentJobError('no')
    })
    for (const orgId of [1, 1, 2]) await q.enqueue(handle.db, 'k', {}, { orgId })
    await q.runUntilIdle()
    expect(await q.stats(1)).toEqual({ pending: 0, running: 0, done: 0, dead: 2 })
    expect(await q.retryDead(1)).toBe(2)
    expect(await q.stats(1)).toEqual({ pending: 2, running: 0, done: 0, dead: 0 })
    expect(await q.stats(2)).toEqual({ pending: 0, running: 0, done: 0, dead: 1 })
    expect(await q.stats()).toEqual({ pending: 2, running: 0, done: 0, dead: 1 })
  })

  it('purgeDone() deletes only done jobs older than the cut-off', async () => {
    const q = makeQueue()
    q.register('ok', async () => {})
    q.register('bad', async () => {
      throw new PermanentJobError('no')
    })
    await q.enqueue(handle.db, 'ok', {})
    await q.enqueue(handle.db, 'bad', {})
    await q.runUntilIdle()
    clock.advance(8 * 24 * 3600_000)
    await q.enqueue(handle.db, 'ok', {})
    await q.runUntilIdle()
    expect(await q.purgeDone(7 * 24 * 3600_000)).toBe(1)
    expect(await q.stats()).toEqual({ pending: 0, running: 0, done: 1, dead: 1 })
  })

  it('backoff is capped at maxMs', () => {
    const policy = { baseMs: 2000, maxMs: 15 * 60_000 }
    expect(backoffDelay(1, policy, () => 0)).toBe(1000)
    expect(backoffDelay(1, policy, () => 0.999999)).toBe(2000)
    expect(backoffDelay(30, policy, () => 0.999999)).toBe(15 * 60_000)
  })
})

describe('crashed workers', () => {
  it('reclaims a job whose worker stopped renewing its lock; the stale worker cannot overwrite the result', async () => {
    const lockTtlMs = 60_000
    const crashed = makeQueue({ instanceId: 'crashed', lockTtlMs, pollIntervalMs: 10_000 })
    const hung = deferred()
    const started = deferred()
    crashed.register('k', async () => {
      started.resolve()
      await hung.promise
    })
    const { id } = await crashed.enqueue(handle.db, 'k', { n: 1 })
    crashed.start()
    await started.promise
    expect(await rowOf(id!)).toMatchObject({ status: 'running', locked_by: 'crashed', attempts: 1 })

    const survivor = makeQueue({ instanceId: 'survivor', lockTtlMs })
    const ran: number[] = []
    survivor.register('k', async (job) => {
      ran.push(job.attempts)
    })
    // The lock is still valid: nothing to take over yet.
    expect(await survivor.runUntilIdle()).toBe(0)
    clock.advance(lockTtlMs + 1)
    expect(await survivor.runUntilIdle()).toBe(1)
    expect(ran).toEqual([2])
    expect(await rowOf(id!)).toMatchObject({ status: 'done', attempts: 2, locked_by: null })

    // The "crashed" worker wakes up and finishes: its outcome must not replace the survivor's.
    hung.resolve()
    await crashed.stop()
    expect(await rowOf(id!)).toMatchObject({ status: 'done', attempts: 2 })
  })

  it('does not run again a job whose worker vanished during its last allowed attempt', async () => {
    const q = makeQueue({ lockTtlMs: 1000 })
    let calls = 0
    q.register('k', async () => {
      calls++
    })
    const { id } = await q.enqueue(handle.db, 'k', {}, { maxAttempts: 1 })
    await handle.db
      .updateTable('queue_jobs')
      .set({ status: 'running', attempts: 1, locked_by: 'gone', locked_until: clock.now() + 1000 })
      .where('id', '=', id!)
      .execute()
    clock.advance(1001)
    expect(await q.runUntilIdle()).toBe(0)
    expect(calls).toBe(0)
    const row = await rowOf(id!)
    expect(row.status).toBe('dead')
    expect(row.last_error).toContain('worker lost')
  })
})

describe('timer loop', () => {
  it('wakes up on enqueue: a job runs well before the 1 s poll would have fired', async () => {
    const q = new Queue({ db: handle.db, clock: systemClock, log: silentLogger, pollIntervalMs: 1000 })
    queues.push(q)
    const ranAt = deferred<number>()
    q.register('ping', async () => ranAt.resolve(Date.now()))
    q.start()
    // Let the first (empty) pass finish, so the next poll is a full interval away.
    await new Promise((r) => setTimeout(r, 50))
    const enqueuedAt = Date.now()
    const { id } = await q.enqueue(handle.db, 'ping', {})
    const latency = (await ranAt.promise) - enqueuedAt
    // The only timing assertion in this suite: the poll would have come ≥ ~950 ms after the enqueue.
    expect(latency).toBeLessThan(300)
    await vi.waitFor(async () => expect((await rowOf(id!)).status).toBe('done'), { timeout: 2000, interval: 10 })
  })

  it('picks up a job whose enqueuing transaction commits a little after the enqueue call', async () => {
    const q = new Queue({ db: handle.db, clock: systemClock, log: silentLogger, pollIntervalMs: 10_000 })
    queues.push(q)
    const ran = deferred()
    q.register('ping', async () => ran.resolve())
    q.start()
    await new Promise((r) => setTimeout(r, 50))
    await handle.db.transaction().execute(async (trx) => {
      await q.enqueue(trx, 'ping', {})
      // On MySQL the immediate re-check cannot see the uncommitted row; a later one must.
      await new Promise((r) => setTimeout(r, 40))
    })
    await ran.promise
  })

  it('stop() waits for the handlers in flight and claims nothing afterwards', async () => {
    const q = new Queue({ db: handle.db, clock: systemClock, log: silentLogger, pollIntervalMs: 20 })
    const release = deferred()
    const started = deferred()
    let calls = 0
    q.register('slow', async () => {
      calls++
      started.resolve()
      await release.promise
    })
    const { id } = await q.enqueue(handle.db, 'slow', {})
    q.start()
    await started.promise
    let stopped = false
    const stopping = q.stop().then(() => (stopped = true))
    await q.enqueue(handle.db, 'slow', {})
    await new Promise((r) => setTimeout(r, 60))
    expect(stopped).toBe(false)
    release.resolve()
    await stopping
    expect((await rowOf(id!)).status).toBe('done')
    expect(calls).toBe(1)
    expect(await q.stats()).toMatchObject({ pending: 1, done: 1 })
  })
})

describe('two instances', () => {
  it('drain 1 000 jobs with every handler running exactly once', { timeout: 120_000 }, async () => {
    const second = await openSecondHandle(handle)
    try {
      const runs = new Map<number, number>()
      const byInstance: Record<string, number> = { a: 0, b: 0 }
      const make = (db: DbHandle['db'], name: 'a' | 'b') => {
        const q = new Queue({ db, clock: systemClock, log: silentLogger, instanceId: name, concurrency: 4, pollIntervalMs: 100 })
        q.register('bulk', async (job) => {
          runs.set(job.id, (runs.get(job.id) ?? 0) + 1)
          byInstance[name]++
          await nextTurn()
        })
        queues.push(q)
        return q
      }
      const a = make(handle.db, 'a')
      const b = make(second.db, 'b')
      await handle.db.transaction().execute(async (trx) => {
        for (let i = 0; i < 1000; i++) await a.enqueue(trx, 'bulk', { i })
      })

      const t0 = performance.now()
      a.start()
      b.start()
      await vi.waitFor(async () => expect((await a.stats()).done).toBe(1000), { timeout: 110_000, interval: 50 })
      const elapsed = performance.now() - t0
      await Promise.all([a.stop(), b.stop()])

      console.info(`[queue] ${handle.kind}: 1000 jobs, 2 instances × 4: ${elapsed.toFixed(0)} ms (a=${byInstance.a}, b=${byInstance.b})`)
      expect(runs.size).toBe(1000)
      expect([...runs.values()].filter((n) => n !== 1)).toEqual([])
      expect(await a.stats()).toEqual({ pending: 0, running: 0, done: 1000, dead: 0 })
      expect(byInstance.a).toBeGreaterThan(0)
      expect(byInstance.b).toBeGreaterThan(0)
    } finally {
      await second.close()
    }
  })
})

describe('fast lane', () => {
  it('a fast-lane job runs in its own slot while every general slot is held by slow jobs with a backlog behind them', async () => {
    const q = makeQueue({ clock: systemClock, concurrency: 2, fastSlots: 1, pollIntervalMs: 50 })
    const release = deferred()
    const started: string[] = []
    q.register<{ n: number }>('slow', async (job) => {
      started.push(`slow${job.payload.n}`)
      await release.promise
    })
    q.register('welcome', async () => void started.push('welcome'), { lane: 'fast' })
    for (let n = 0; n < 5; n++) await q.enqueue(handle.db, 'slow', { n })
    q.start()
    await vi.waitFor(() => expect(started).toEqual(['slow0', 'slow1']), { timeout: 10_000 })
    const id = (await q.enqueue(handle.db, 'welcome', {})).id!
    await vi.waitFor(async () => expect((await rowOf(id)).status).toBe('done'), { timeout: 10_000 })
    // The welcome ran although both general slots stayed busy and three older jobs still wait.
    expect(started).toEqual(['slow0', 'slow1', 'welcome'])
    expect((await q.stats()).pending).toBe(3)
    release.resolve()
    await vi.waitFor(async () => expect((await q.stats()).done).toBe(6), { timeout: 10_000 })
  })
})
