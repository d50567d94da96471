// queue.* procedures through createCaller: the org sees and retries only its own jobs.
import { TRPCError } from '@trpc/server'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { DbHandle } from '../db/connect'
import type { Deps } from '../deps'
import { createOrgWithUser, createTestDeps } from '../testing/deps'
import { callerFor, expectTenantIsolation } from '../testing/tenant'
import { createTestDb } from '../testing/test-db'
import { PermanentJobError } from './queue'

let handle: DbHandle
let deps: Deps

const statusOf = async (id: number) =>
  (await deps.db.selectFrom('queue_jobs').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status

async function codeOf(p: Promise<unknown>): Promise<string | null> {
  return p.then(
    () => null,
    (e: unknown) => (e instanceof TRPCError ? e.code : String(e)),
  )
}

/** A dead job of `orgId` (its handler refuses it permanently) and a done one. */
async function seedJobs(orgId: number): Promise<{ dead: number; done: number }> {
  const dead = (await deps.queue.enqueue(deps.db, 'router-test:fail', { orgId }, { orgId })).id!
  const done = (await deps.queue.enqueue(deps.db, 'router-test:ok', { orgId }, { orgId })).id!
  await deps.queue.runUntilIdle()
  return { dead, done }
}

beforeEach(async () => {
  handle = await createTestDb()
  deps = createTestDeps(handle)
  deps.queue.register('router-test:fail', async () => {
    throw new PermanentJobError('客户不存在')
  })
  deps.queue.register('router-test:ok', async () => {})
})

afterEach(async () => {
  await deps.queue.stop()
  await handle.close()
})

describe('queue router', () => {
  it('lists, filters and counts only the caller org’s jobs', async () => {
    const a = await createOrgWithUser(deps, 'org_admin')
    const b = await createOrgWithUser(deps, 'org_admin')
    const jobsA = await seedJobs(a.orgId)
    await seedJobs(b.orgId)
    const caller = callerFor(deps, a.user)

    const all = await caller.queue.list({})
    expect(all.total).toBe(2)
    expect(all.items.map((i) => i.id).sort()).toEqual([jobsA.dead, jobsA.done].sort())

    const dead = await caller.queue.list({ status: 'dead' })
    expect(dead.total).toBe(1)
    expect(dead.items[0]).toMatchObject({ id: jobsA.dead, kind: 'router-test:fail', status: 'dead', attempts: 1, maxAttempts: 8 })
    expect(dead.items[0].lastError).toContain('客户不存在')
    expect(dead.items[0].finishedAt).toBe(deps.clock.now())

    expect((await caller.queue.list({ kind: 'router-test:ok' })).items.map((i) => i.id)).toEqual([jobsA.done])
    expect((await caller.queue.list({ page: 2, pageSize: 1 })).items).toHaveLength(1)
    expect(await caller.queue.stats()).toEqual({ pending: 0, running: 0, done: 1, dead: 1 })
  })

  it('retries the org’s own dead job; refuses another org’s job and jobs that are not dead', async () => {
    const a = await createOrgWithUser(deps, 'org_admin')
    const b = await createOrgWithUser(deps, 'org_admin')
    const jobsA = await seedJobs(a.orgId)
    const jobsB = await seedJobs(b.orgId)
    const caller = callerFor(deps, a.user)

    expect(await codeOf(caller.queue.retry({ id: jobsB.dead }))).toBe('NOT_FOUND')
    expect(await statusOf(jobsB.dead)).toBe('dead')
    expect(await codeOf(caller.queue.retry({ id: jobsA.done }))).toBe('BAD_REQUEST')
    expect(await codeOf(caller.queue.retry({ id: 999_999 }))).toBe('NOT_FOUND')

    expect(await caller.queue.retry({ id: jobsA.dead })).toEqual({ ok: true })
    const row = await deps.db.selectFrom('queue_jobs').selectAll().where('id', '=', jobsA.dead).executeTakeFirstOrThrow()
    expect(row).toMatchObject({ status: 'pending', attempts: 0, run_after: deps.clock.now() })
  })

  it('retryAllDead retries the org’s dead jobs only', async () => {
    const a = await createOrgWithUser(deps, 'org_admin')
    const b = await createOrgWithUser(deps, 'org_admin')
    await seedJobs(a.orgId)
    await seedJobs(a.orgId)
    const jobsB = await seedJobs(b.orgId)
    expect(await callerFor(deps, a.user).queue.retryAllDead()).toEqual({ count: 2 })
    expect(await deps.queue.stats(a.orgId)).toMatchObject({ pending: 2, dead: 0 })
    expect(await statusOf(jobsB.dead)).toBe('dead')
  })

  it('keeps tenants apart', async () => {
    await expectTenantIsolation(deps, {
      seed: async (_callerA, orgA) => (await seedJobs(orgA)).dead,
      snapshot: (id) => deps.db.selectFrom('queue_jobs').selectAll().where('id', '=', Number(id)).executeTakeFirst(),
      direct: { retry: (callerB, id) => callerB.queue.retry({ id: Number(id) }) },
      lists: {
        list: async (callerB) => (await callerB.queue.list({})).items.map((i) => i.id),
        deadList: async (callerB) => (await callerB.queue.list({ status: 'dead' })).items.map((i) => i.id),
      },
    })
  })

  it('is for org admins: members are refused, a super admin sees the org they act in', async () => {
    const member = await createOrgWithUser(deps, 'org_member')
    expect(await codeOf(callerFor(deps, member.user).queue.list({}))).toBe('FORBIDDEN')
    const sup = await createOrgWithUser(deps, 'super_admin')
    const jobs = await seedJobs(sup.orgId)
    expect((await callerFor(deps, sup.user).queue.list({})).items.map((i) => i.id).sort()).toEqual([jobs.dead, jobs.done].sort())
  })
})
