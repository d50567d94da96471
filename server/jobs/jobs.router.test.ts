// jobs.* procedures through createCaller: the job list, run history and "run now" on the registered jobs.
import { TRPCError } from '@trpc/server'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { DbHandle } from '../db/connect'
import { tryAcquireLease } from '../db/lease'
import type { Deps } from '../deps'
import type { ManualClock } from '../lib/clock'
import { createOrgWithUser, createTestDeps } from '../testing/deps'
import { callerFor } from '../testing/tenant'
import { createTestDb } from '../testing/test-db'

const DAY = 24 * 3600_000
let handle: DbHandle
let deps: Deps & { clock: ManualClock }

async function codeOf(p: Promise<unknown>): Promise<string | null> {
  return p.then(
    () => null,
    (e: unknown) => (e instanceof TRPCError ? `${e.code} ${e.message}` : String(e)),
  )
}

beforeEach(async () => {
  handle = await createTestDb()
  deps = createTestDeps(handle)
})

afterEach(async () => {
  await deps.scheduler.stop()
  await handle.close()
})

describe('jobs router', () => {
  it('lists the registered jobs with schedule, next run and last run', async () => {
    const { user } = await createOrgWithUser(deps, 'org_admin')
    // node-cron computes next runs from the system time, not from deps.clock: pin Date to the manual clock for this call only.
    vi.useFakeTimers({ toFake: ['Date'], now: deps.clock.now() })
    const jobs = await callerFor(deps, user)
      .jobs.list()
      .finally(() => vi.useRealTimers())
    const purge = jobs.find((j) => j.name === 'purge-queue')
    expect(purge).toMatchObject({ title: expect.any(String), schedule: '30 3 * * *', lastRun: null, running: false })
    // The clock stands at 2026-11-21 09:00 in Shanghai; '30 3 * * *' next fires at 03:30 there the following morning.
    expect(deps.clock.now()).toBe(Date.UTC(2026, 10, 21, 1, 0, 0))
    expect(purge!.nextRunAt).toBe(Date.UTC(2026, 10, 21, 19, 30, 0))
  })

  it('runNow runs purge-queue on the transient scheduler and the run shows in runs and list', async () => {
    const { user } = await createOrgWithUser(deps, 'super_admin')
    deps.queue.register('noop', async () => {})
    await deps.queue.enqueue(deps.db, 'noop', {})
    await deps.queue.runUntilIdle()
    deps.clock.advance(8 * DAY)
    await deps.queue.enqueue(deps.db, 'noop', {})
    await deps.queue.runUntilIdle()
    const now = deps.clock.now()
    await deps.db
      .insertInto('job_runs')
      .values({
        job_name: 'purge-queue',
        tick_key: 'ancient',
        trigger: 'scheduled',
        status: 'succeeded',
        instance: 'x',
        summary: null,
        error: null,
        started_at: now - 31 * DAY,
        finished_at: now - 31 * DAY,
      })
      .execute()
    // One login attempt past its window, one inside it: only the old one goes.
    await deps.db
      .insertInto('login_failures')
      .values([
        { username: 'old', ip: '1.1.1.1', created_at: now - 16 * 60_000 },
        { username: 'new', ip: '1.1.1.1', created_at: now - 60_000 },
      ])
      .execute()

    const caller = callerFor(deps, user)
    const { runId } = await caller.jobs.runNow({ name: 'purge-queue' })
    await deps.scheduler.idle()

    const runs = await caller.jobs.runs({ jobName: 'purge-queue' })
    expect(runs.total).toBe(1)
    expect(runs.items[0]).toMatchObject({
      id: runId,
      jobName: 'purge-queue',
      trigger: 'manual',
      status: 'succeeded',
      progressDone: 3,
      progressTotal: 3,
      summary: { queueJobs: 1, jobRuns: 1, loginAttempts: 1 },
      error: null,
      finishedAt: now,
    })
    expect(await deps.queue.stats()).toMatchObject({ done: 1 })

    const listed = (await caller.jobs.list()).find((j) => j.name === 'purge-queue')!
    expect(listed.lastRun).toMatchObject({ id: runId, status: 'succeeded' })
    expect(listed.running).toBe(false)
  })

  it('runNow refuses an unknown job and a job whose lease is held', async () => {
    const { user } = await createOrgWithUser(deps, 'super_admin')
    const caller = callerFor(deps, user)
    expect(await codeOf(caller.jobs.runNow({ name: 'no-such-job' }))).toMatch(/^BAD_REQUEST/)
    await tryAcquireLease(deps.db, 'job:purge-queue', 'other-instance', 60_000, deps.clock.now())
    expect(await codeOf(caller.jobs.runNow({ name: 'purge-queue' }))).toBe('CONFLICT 任务正在运行')
    expect((await caller.jobs.list()).find((j) => j.name === 'purge-queue')!.running).toBe(true)
    expect((await caller.jobs.runs({})).total).toBe(0)
  })

  it('lets admins look, members not, and only the platform admin run a job', async () => {
    const admin = await createOrgWithUser(deps, 'org_admin')
    const member = await createOrgWithUser(deps, 'org_member')
    expect((await callerFor(deps, admin.user).jobs.runs({})).total).toBe(0)
    expect(await codeOf(callerFor(deps, member.user).jobs.list())).toMatch(/^FORBIDDEN/)
    expect(await codeOf(callerFor(deps, admin.user).jobs.runNow({ name: 'purge-queue' }))).toMatch(/^FORBIDDEN/)
  })

  it("scopes runs: an org admin sees only their org's runs, never platform-wide ones; the platform admin sees all", async () => {
    const a = await createOrgWithUser(deps, 'org_admin')
    const b = await createOrgWithUser(deps, 'org_admin')
    const root = await createOrgWithUser(deps, 'super_admin')
    const now = deps.clock.now()
    const run = (tick: string, orgId: number | null, summary: Record<string, number>) => ({
      job_name: 'sync-customers',
      org_id: orgId,
      tick_key: tick,
      trigger: 'scheduled' as const,
      status: 'succeeded' as const,
      instance: 'x',
      summary: JSON.stringify(summary),
      error: null,
      started_at: now,
      finished_at: now,
    })
    await deps.db
      .insertInto('job_runs')
      .values([run('platform', null, { orgs: 2, relations: 900 }), run('org-a', a.orgId, { relations: 40 })])
      .execute()

    const asB = callerFor(deps, b.user)
    expect(await asB.jobs.runs({})).toEqual({ items: [], total: 0 })
    expect(await asB.jobs.runs({ jobName: 'sync-customers' })).toEqual({ items: [], total: 0 })
    expect((await asB.jobs.list()).find((j) => j.name === 'sync-customers')!.lastRun).toBeNull()

    const asA = await callerFor(deps, a.user).jobs.runs({})
    expect(asA.total).toBe(1)
    expect(asA.items.map((r) => [r.orgId, r.summary])).toEqual([[a.orgId, { relations: 40 }]])
    expect((await callerFor(deps, a.user).jobs.list()).find((j) => j.name === 'sync-customers')!.lastRun).toMatchObject({ orgId: a.orgId })

    const all = await callerFor(deps, root.user).jobs.runs({})
    expect(all.total).toBe(2)
    expect(all.items.map((r) => r.orgId).sort()).toEqual([a.orgId, null].sort())
    expect((await callerFor(deps, root.user).jobs.list()).find((j) => j.name === 'sync-customers')!.lastRun).toMatchObject({
      summary: { relations: 40 },
    })
  })
})
