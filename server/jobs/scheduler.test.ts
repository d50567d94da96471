// Scheduler behaviour on the test dialect: one run per tick across two instances, progress, failures, the lease, runNow.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { DbHandle } from '../db/connect'
import { tryAcquireLease } from '../db/lease'
import type { Deps } from '../deps'
import type { ManualClock } from '../lib/clock'
import { createTestDeps } from '../testing/deps'
import { createTestDb, openSecondHandle } from '../testing/test-db'
import { allJobs } from './index'
import { defineJob, Scheduler, tickKeyOf, UnknownJobError, type JobDefinition } from './scheduler'

let handle: DbHandle
let second: DbHandle
let deps: Deps & { clock: ManualClock }
let deps2: Deps
const schedulers: Scheduler[] = []

function makeScheduler(jobs: JobDefinition[], instanceId = 'inst-a', d: Deps = deps): Scheduler {
  const s = new Scheduler({ deps: d, jobs, instanceId })
  schedulers.push(s)
  return s
}

const runsOf = (jobName: string) => handle.db.selectFrom('job_runs').selectAll().where('job_name', '=', jobName).orderBy('id').execute()
const runById = (id: number) => handle.db.selectFrom('job_runs').selectAll().where('id', '=', id).executeTakeFirstOrThrow()

function deferred<T = void>() {
  let resolve!: (v: T) => void
  const promise = new Promise<T>((r) => (resolve = r))
  return { promise, resolve }
}

beforeEach(async () => {
  handle = await createTestDb()
  second = await openSecondHandle(handle)
  deps = createTestDeps(handle)
  deps2 = createTestDeps(second, { clock: deps.clock })
})

afterEach(async () => {
  await Promise.all(schedulers.splice(0).map((s) => s.stop()))
  await second.close()
  await handle.close()
})

describe('defineJob', () => {
  it('rejects a bad cron expression or name when the job is defined', () => {
    const run = async () => {}
    expect(() => defineJob({ name: 'x', title: 'x', schedule: '61 * * * *', run })).toThrow(/invalid cron expression/)
    expect(() => defineJob({ name: 'Bad Name', title: 'x', schedule: '* * * * *', run })).toThrow(/kebab-case/)
    expect(defineJob({ name: 'six-fields', title: 'x', schedule: '*/10 * * * * *', run }).name).toBe('six-fields')
  })

  it('the registry defines valid, uniquely named jobs', () => {
    const names = allJobs().map((j) => j.name)
    expect(names).toContain('purge-queue')
    expect(new Set(names).size).toBe(names.length)
  })
})

describe('tick', () => {
  it('runs each tick exactly once when two instances tick at the same time', async () => {
    let counter = 0
    const job = defineJob({
      name: 'count',
      title: '计数',
      schedule: '0 * * * *',
      async run() {
        counter++
        return { counted: 1 }
      },
    })
    const a = makeScheduler([job], 'inst-a', deps)
    const b = makeScheduler([job], 'inst-b', deps2)
    const base = Date.UTC(2026, 10, 21, 0, 0, 0)
    for (let i = 0; i < 20; i++) {
      // Milliseconds differ between instances' timers; the tick key is the whole second.
      const [ra, rb] = await Promise.all([a.tick('count', base + i * 3600_000), b.tick('count', base + i * 3600_000 + 7)])
      const outcomes = [ra, rb].filter((r) => r !== null)
      expect(outcomes).toHaveLength(1)
      expect(outcomes[0]!.status).toBe('succeeded')
    }
    const rows = await runsOf('count')
    expect(rows).toHaveLength(20)
    expect(counter).toBe(20)
    expect(new Set(rows.map((r) => r.tick_key)).size).toBe(20)
    expect(rows[0].tick_key).toBe(tickKeyOf(base))
    expect(rows[0].tick_key).toBe('2026-11-21T00:00:00Z')
    expect(rows.every((r) => r.status === 'succeeded' && r.trigger === 'scheduled' && r.finished_at !== null)).toBe(true)
    expect(JSON.parse(rows[0].summary!)).toEqual({ counted: 1 })
    // The lease is free again after every run.
    const lock = await handle.db.selectFrom('job_locks').selectAll().where('name', '=', 'job:count').executeTakeFirstOrThrow()
    expect(lock.locked_by).toBeNull()
  })

  it('writes progress during the run and the final values at the end', async () => {
    const seenMidRun: Array<{ done: number; total: number }> = []
    const job = defineJob({
      name: 'progressive',
      title: '进度',
      schedule: '0 * * * *',
      async run({ progress, runId }) {
        await progress(3, 10)
        const row = await runById(runId)
        seenMidRun.push({ done: row.progress_done, total: row.progress_total })
        // Throttled: these land in the DB only through the final write.
        await progress(7, 10)
        await progress(10, 10)
        return { processed: 10 }
      },
    })
    const s = makeScheduler([job])
    const outcome = await s.tick('progressive', deps.clock.now())
    expect(outcome?.status).toBe('succeeded')
    expect(seenMidRun).toEqual([{ done: 3, total: 10 }])
    const row = await runById(outcome!.runId)
    expect(row).toMatchObject({ status: 'succeeded', progress_done: 10, progress_total: 10, instance: 'inst-a' })
    expect(JSON.parse(row.summary!)).toEqual({ processed: 10 })
  })

  it('records a throwing job as failed and keeps the scheduler working', async () => {
    const ok = vi.fn(async () => ({ fine: 1 }))
    const broken = defineJob({
      name: 'broken',
      title: '会失败',
      schedule: '0 * * * *',
      async run() {
        throw new Error('platform said 60011')
      },
    })
    const healthy = defineJob({ name: 'healthy', title: '正常', schedule: '0 * * * *', run: ok })
    const s = makeScheduler([broken, healthy])
    const failed = await s.tick('broken', deps.clock.now())
    expect(failed?.status).toBe('failed')
    const row = await runById(failed!.runId)
    expect(row.status).toBe('failed')
    expect(row.error).toContain('platform said 60011')
    expect(row.finished_at).toBe(deps.clock.now())

    // Same scheduler, next ticks: both jobs still run; the failed job's lease was released.
    expect((await s.tick('healthy', deps.clock.now()))?.status).toBe('succeeded')
    expect((await s.tick('broken', deps.clock.now() + 3600_000))?.status).toBe('failed')
    expect(ok).toHaveBeenCalledTimes(1)
  })

  it('marks a job that overruns its timeout as failed, aborting its signal', async () => {
    const job = defineJob({
      name: 'slow',
      title: '慢',
      schedule: '0 * * * *',
      timeoutMs: 30,
      run: ({ signal }) =>
        new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true })),
    })
    const s = makeScheduler([job])
    const outcome = await s.tick('slow', deps.clock.now())
    expect(outcome?.status).toBe('failed')
    expect((await runById(outcome!.runId)).error).toContain('超时')
  })

  it('records a tick as skipped while another run holds the lease', async () => {
    let runs = 0
    const release = deferred()
    const started = deferred()
    const job = defineJob({
      name: 'long',
      title: '长任务',
      schedule: '0 * * * *',
      async run() {
        runs++
        started.resolve()
        await release.promise
      },
    })
    const a = makeScheduler([job], 'inst-a', deps)
    const b = makeScheduler([job], 'inst-b', deps2)
    const first = await a.runNow('long')
    await started.promise

    const skipped = await b.tick('long', deps.clock.now())
    expect(skipped?.status).toBe('skipped')
    expect(await runById(skipped!.runId)).toMatchObject({ status: 'skipped', trigger: 'scheduled', instance: 'inst-b' })
    // A manual start is refused (not recorded) while the job runs, also on the same instance.
    expect(await a.runNow('long')).toBeNull()
    expect(await b.runNow('long')).toBeNull()

    release.resolve()
    await a.idle()
    expect((await runById(first!.runId)).status).toBe('succeeded')
    expect((await b.tick('long', deps.clock.now() + 3600_000))?.status).toBe('succeeded')
    expect(runs).toBe(2)
    expect(await runsOf('long')).toHaveLength(3)
  })

  it('skips when a lease is held by someone else, and runs once it has expired', async () => {
    let runs = 0
    const job = defineJob({ name: 'leased', title: '租约', schedule: '0 * * * *', run: async () => void runs++ })
    const s = makeScheduler([job])
    expect(await tryAcquireLease(handle.db, 'job:leased', 'elsewhere', 60_000, deps.clock.now())).toBe(true)
    expect((await s.tick('leased', deps.clock.now()))?.status).toBe('skipped')
    expect(runs).toBe(0)
    deps.clock.advance(60_001)
    expect((await s.tick('leased', deps.clock.now()))?.status).toBe('succeeded')
    expect(runs).toBe(1)
  })

  it('closes runs left "running" by an instance that died once the job runs again', async () => {
    const job = defineJob({ name: 'orphans', title: '孤儿', schedule: '0 * * * *', run: async () => {} })
    const s = makeScheduler([job])
    const startedAt = deps.clock.now()
    await handle.db
      .insertInto('job_runs')
      .values({
        job_name: 'orphans',
        tick_key: 'dead-run',
        trigger: 'scheduled',
        status: 'running',
        instance: 'gone',
        summary: null,
        error: null,
        started_at: startedAt,
        finished_at: null,
      })
      .execute()
    deps.clock.advance(10 * 60_000)
    await s.tick('orphans', deps.clock.now())
    const [orphan, fresh] = await runsOf('orphans')
    expect(orphan).toMatchObject({ status: 'failed', finished_at: deps.clock.now() })
    expect(orphan.error).toContain('实例已中断')
    expect(fresh.status).toBe('succeeded')
  })
})

describe('runNow', () => {
  it('starts a manual run and returns at once with its id', async () => {
    const release = deferred()
    const job = defineJob({
      name: 'manual',
      title: '手动',
      schedule: '0 3 * * *',
      async run({ progress }) {
        await progress(1, 2)
        await release.promise
        return { done: 2 }
      },
    })
    const s = makeScheduler([job])
    const started = await s.runNow('manual')
    expect(started).toEqual({ runId: expect.any(Number) })
    // Returned while the job body is still waiting.
    expect((await runById(started!.runId)).status).toBe('running')
    release.resolve()
    await s.idle()
    const row = await runById(started!.runId)
    expect(row).toMatchObject({ status: 'succeeded', trigger: 'manual', progress_done: 1, progress_total: 2 })
    expect(row.tick_key).toMatch(/^manual:\d+:[0-9a-f]{8}$/)
    await expect(s.runNow('nope')).rejects.toBeInstanceOf(UnknownJobError)
  })
})

describe('cron timers', () => {
  it('start() ticks on schedule with whole-second tick keys; stop() waits for the run', async () => {
    const finished = deferred()
    const job = defineJob({
      name: 'every-second',
      title: '每秒',
      schedule: '* * * * * *',
      async run() {
        await new Promise((r) => setTimeout(r, 50))
        finished.resolve()
      },
    })
    const s = makeScheduler([job])
    s.start()
    expect(s.nextRunAt('every-second')).toBeGreaterThan(Date.now() - 1)
    await finished.promise
    await s.stop()
    const rows = await runsOf('every-second')
    expect(rows.length).toBeGreaterThanOrEqual(1)
    expect(rows.every((r) => r.status === 'succeeded')).toBe(true)
    expect(rows[0].tick_key).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
    const count = rows.length
    await new Promise((r) => setTimeout(r, 1200))
    expect(await runsOf('every-second')).toHaveLength(count)
  })

  it('evaluates the schedule in Beijing time', () => {
    const s = makeScheduler(allJobs())
    const next = new Date(s.nextRunAt('purge-queue')!)
    // 03:30 in Asia/Shanghai is 19:30 UTC.
    expect([next.getUTCHours(), next.getUTCMinutes()]).toEqual([19, 30])
    expect(s.nextRunAt('unknown')).toBeNull()
  })
})
