// Two instances on one database (separate pools, queues and schedulers): a scheduled broadcast starts once and each batch is sent once.
import { afterAll, beforeAll, expect, it } from 'vitest'
import { ManualClock } from '../../lib/clock'
import { silentLogger } from '../../lib/logger'
import { Queue } from '../../queue/queue'
import { createTestDeps } from '../../testing/deps'
import { openSecondHandle } from '../../testing/test-db'
import { createWecomEnv, type WecomEnv } from '../../testing/wecom-env'
import type { DbHandle } from '../../db/connect'
import type { Deps } from '../../deps'
import { batchesOf, seedCustomers } from './broadcasts.test-fixtures'
import { dispatchBroadcast } from './broadcasts.service'
import { registerBroadcastWorker } from './broadcasts.worker'

let env: WecomEnv
let clock: ManualClock
let second: DbHandle
let b: Deps

beforeAll(async () => {
  clock = new ManualClock()
  env = await createWecomEnv({ clock, workers: false })
  second = await openSecondHandle(env.handle)
  const queue = new Queue({ db: second.db, clock, log: silentLogger, instanceId: 'instance-b' })
  b = createTestDeps(second, { config: env.deps.config, clock, queue })
  registerBroadcastWorker(b)
}, 60_000)
afterAll(async () => {
  await second?.close()
  await env?.close()
})

const calls = () => env.sandbox.control.getCounters().endpoints['externalcontact/add_msg_template']?.calls ?? 0

it('a due scheduled broadcast ticked on both instances starts once; both queues working leave one task per batch', async () => {
  const seeded = await seedCustomers(env, { customers: 30, userids: ['zhangli', 'wangfang', 'liuyang'] })
  const { id } = await env.caller.broadcasts.create({
    title: '定时群发',
    content: { text: '周末到店礼', attachments: [] },
    targets: { kind: 'ids', customerIds: seeded.map((c) => c.id) },
    scheduledAt: clock.now() + 60_000,
  })
  clock.advance(61_000)
  const before = calls()
  const runs = await Promise.all([env.deps.scheduler.runNow('broadcasts-start-due'), b.scheduler.runNow('broadcasts-start-due')])
  await Promise.all([env.deps.scheduler.idle(), b.scheduler.idle()])
  expect(runs.filter(Boolean).length).toBeGreaterThanOrEqual(1)
  const dispatchJobs = await env.deps.db.selectFrom('queue_jobs').select('id').where('kind', '=', 'broadcast.dispatch').execute()
  expect(dispatchJobs).toHaveLength(1)
  await Promise.all([env.deps.queue.runUntilIdle(), b.queue.runUntilIdle()])
  const batches = await batchesOf(env, id)
  expect(batches).toHaveLength(3)
  expect(batches.every((x) => x.status === 'submitted')).toBe(true)
  expect(calls() - before).toBe(3)
})

it('the same dispatch run on both instances at once (a lock taken over) still calls add_msg_template once per batch', async () => {
  const seeded = await seedCustomers(env, { customers: 20, userids: ['zhangli', 'wangfang'] })
  const { id } = await env.caller.broadcasts.create({
    title: '立即群发',
    content: { text: '新品体验', attachments: [] },
    targets: { kind: 'ids', customerIds: seeded.map((c) => c.id) },
    scheduledAt: null,
  })
  await env.caller.broadcasts.send({ id })
  const before = calls()
  // One may find the other's batch in flight and back off; the batch is not called twice either way.
  await Promise.allSettled([dispatchBroadcast(env.deps, env.orgId, id), dispatchBroadcast(b, env.orgId, id)])
  await Promise.allSettled([dispatchBroadcast(env.deps, env.orgId, id), dispatchBroadcast(b, env.orgId, id)])
  const batches = await batchesOf(env, id)
  expect(batches.map((x) => x.status)).toEqual(['submitted', 'submitted'])
  expect(calls() - before).toBe(2)
  expect(new Set(batches.map((x) => x.msgid)).size).toBe(2)
  expect((await env.caller.broadcasts.get({ id })).status).toBe('sent')
})
