// 模拟外呼: a signed demo batch goes through the real HTTP route and lands as events and jobs with the runs every scene needs.
import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../../app'
import type { DbHandle } from '../../db/connect'
import { createOrgWithUser, createTestDeps, testConfig } from '../../testing/deps'
import { createTestDb } from '../../testing/test-db'
import { callerFor } from '../../testing/tenant'
import type { CallResultEvent } from '../../../shared/ingest-events'
import { createPushConfig } from '../push-configs/push-configs.service'
import { simulateCalls } from './demo-simulate'
import { NOTIFY_EVENTS_JOB, type NotifyEventsPayload } from './notify-event-job'

let handle: DbHandle
let deps: ReturnType<typeof createTestDeps>
let server: Server
let url: string

beforeAll(async () => {
  handle = await createTestDb()
  deps = createTestDeps(handle)
  server = createApp({ deps }).listen(0, '127.0.0.1')
  await new Promise((r) => server.once('listening', r))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  await new Promise((r) => server?.close(r))
  await handle?.close()
})

/** Longest run of consecutive calls (in call order) matching `pred`. */
function longestRun(calls: CallResultEvent[], pred: (c: CallResultEvent) => boolean): number {
  let best = 0
  let cur = 0
  for (const c of calls) {
    cur = pred(c) ? cur + 1 : 0
    best = Math.max(best, cur)
  }
  return best
}

describe('模拟外呼', () => {
  it('posts batch_created, 300 call results with an F run and a W run on one line, balance, recharge and expiry through the signed route', async () => {
    const { orgId } = await createOrgWithUser(deps)
    await createPushConfig(deps, orgId, { scriptTemplateId: 'T-DEMO', intentionLevels: ['A', 'B'], pushMode: 'none', employeeIds: [] })
    const r = await simulateCalls(deps, orgId, { calls: 300 }, url)
    expect(r).toMatchObject({ requests: 1, accepted: 304, rejected: 0 })
    const rows = await deps.db.selectFrom('ingest_events').selectAll().where('org_id', '=', orgId).execute()
    expect(rows).toHaveLength(304)
    const events = rows.map((e) => JSON.parse(e.payload))
    const calls = (events.filter((e) => e.type === 'call_result') as CallResultEvent[]).sort((a, b) =>
      a.called_at.localeCompare(b.called_at),
    )
    expect(calls).toHaveLength(300)
    expect(events.find((e) => e.type === 'batch_created')).toMatchObject({ batch_id: r.batchId, total: 300 })
    expect(longestRun(calls, (c) => c.result_class === 'F')).toBeGreaterThanOrEqual(100)
    const l2 = calls.filter((c) => c.line_id === 'L-02')
    expect(longestRun(l2, (c) => c.result_class === 'W')).toBeGreaterThanOrEqual(100)
    expect(new Set(calls.filter((c) => c.intention_level).map((c) => c.intention_level)).size).toBeGreaterThanOrEqual(3)
    expect(calls.some((c) => c.script_template_id === 'T-DEMO')).toBe(true)
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['balance', 'recharge', 'account']))
    const jobs = await deps.db
      .selectFrom('queue_jobs')
      .select('payload')
      .where('org_id', '=', orgId)
      .where('kind', '=', NOTIFY_EVENTS_JOB)
      .execute()
    const queued = jobs.flatMap((j) => (JSON.parse(j.payload) as NotifyEventsPayload).events.map((e) => e.eventId))
    expect(new Set(queued).size).toBe(304)
    expect(queued).toHaveLength(304)
    // The demo key was made for it and used.
    const key = await deps.db.selectFrom('api_keys').selectAll().where('org_id', '=', orgId).executeTakeFirstOrThrow()
    expect(key).toMatchObject({ is_demo: 1, last_used_at: deps.clock.now() })
    // A second run is a new batch, not a replay.
    expect((await simulateCalls(deps, orgId, { calls: 220 }, url)).accepted).toBe(224)
  })

  it('is refused outside demo mode', async () => {
    const prod = createTestDeps(handle, { config: testConfig({ sandbox: false }) })
    const { user } = await createOrgWithUser(prod)
    await expect(callerFor(prod, user).ingest.simulate({ calls: 300 })).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
      message: expect.stringContaining('演示模式'),
    })
  })
})
