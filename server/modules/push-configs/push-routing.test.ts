// Intent routing: 随机 among bound attached employees, 顺序 fair across concurrent pools and restarts, 固定, 不推送, template over default.
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DbHandle } from '../../db/connect'
import type { Deps } from '../../deps'
import { createOrgWithUser, createTestDeps } from '../../testing/deps'
import { createTestDb, openSecondHandle, TEST_DIALECT, TEST_MYSQL_URL } from '../../testing/test-db'
import { routeIntent } from './push-routing'
import { createPushConfig } from './push-configs.service'
import type { PushConfigCreateInput } from '../../../shared/schemas/push-config'

let handle: DbHandle
let deps: ReturnType<typeof createTestDeps>

beforeAll(async () => {
  handle = await createTestDb()
  deps = createTestDeps(handle)
})
afterAll(async () => handle?.close())

let mobileSeq = 0
async function employees(orgId: number, n: number, opts: { bound?: boolean } = {}): Promise<number[]> {
  const ids: number[] = []
  for (let i = 0; i < n; i++) {
    const seq = ++mobileSeq
    const r = await deps.db
      .insertInto('employees')
      .values({
        org_id: orgId,
        name: `员工${seq}`,
        mobile: `139${String(seq).padStart(8, '0')}`,
        openid: opts.bound === false ? null : `o-${orgId}-${seq}`,
        bound_at: opts.bound === false ? null : 1,
        receives_system_notices: 0,
        follows_oa: opts.bound === false ? 0 : 1,
        created_at: 1,
        updated_at: 1,
      })
      .executeTakeFirstOrThrow()
    ids.push(Number(r.insertId))
  }
  return ids
}

async function config(orgId: number, input: Partial<PushConfigCreateInput> & Pick<PushConfigCreateInput, 'pushMode' | 'employeeIds'>) {
  return createPushConfig(deps, orgId, { intentionLevels: ['A', 'B'], ...input })
}

const route = (d: Deps, orgId: number, level = 'A', scriptTemplateId: string | null = null) =>
  routeIntent(d, orgId, { scriptTemplateId, intentionLevel: level })

function tally(ids: number[]): Map<number, number> {
  const m = new Map<number, number>()
  for (const id of ids) m.set(id, (m.get(id) ?? 0) + 1)
  return m
}

async function pushStats(configId: number) {
  const rows = await deps.db
    .selectFrom('push_config_employees')
    .select(['employee_id', 'push_count', 'last_pushed_at'])
    .where('config_id', '=', configId)
    .orderBy('position')
    .execute()
  return rows.map((r) => ({
    id: r.employee_id,
    count: Number(r.push_count),
    last: r.last_pushed_at === null ? null : Number(r.last_pushed_at),
  }))
}

describe('routeIntent', () => {
  it('随机 picks only attached bound employees and over many events reaches every one of them', async () => {
    const { orgId } = await createOrgWithUser(deps)
    const bound = await employees(orgId, 3)
    const unbound = await employees(orgId, 2, { bound: false })
    const notAttached = await employees(orgId, 2)
    const c = await config(orgId, { pushMode: 'random', employeeIds: [unbound[0], ...bound, unbound[1]] })
    const picked: number[] = []
    for (let i = 0; i < 150; i++) {
      const r = await route(deps, orgId)
      expect(r).toMatchObject({ configId: c.id, mode: 'random' })
      expect(r!.employees).toHaveLength(1)
      expect(r!.employees[0].openid).not.toBeNull()
      picked.push(r!.employees[0].id)
    }
    const t = tally(picked)
    expect([...t.keys()].sort()).toEqual([...bound].sort())
    for (const id of [...unbound, ...notAttached]) expect(t.has(id)).toBe(false)
    // Each pick was recorded on its attachment, nothing on the others.
    const stats = await pushStats(c.id)
    expect(stats.reduce((s, r) => s + r.count, 0)).toBe(150)
    for (const s of stats) expect(s.count).toBe(t.get(s.id) ?? 0)
  })

  it('随机 with no bound employee attached routes nobody', async () => {
    const { orgId } = await createOrgWithUser(deps)
    const unbound = await employees(orgId, 2, { bound: false })
    await config(orgId, { pushMode: 'random', employeeIds: unbound })
    expect((await route(deps, orgId))!.employees).toEqual([])
  })

  it('顺序 over 100 events and 4 employees gives 25 each, in the configured order, and records time and count', async () => {
    const { orgId } = await createOrgWithUser(deps)
    const ids = await employees(orgId, 4)
    const order = [ids[2], ids[0], ids[3], ids[1]]
    const c = await config(orgId, { pushMode: 'round_robin', employeeIds: order })
    const picked: number[] = []
    for (let i = 0; i < 100; i++) {
      deps.clock.advance(1000)
      picked.push((await route(deps, orgId))!.employees.map((e) => e.id)[0])
    }
    expect(picked.slice(0, 8)).toEqual([...order, ...order])
    expect([...tally(picked).values()]).toEqual([25, 25, 25, 25])
    const stats = await pushStats(c.id)
    expect(stats.map((s) => s.count)).toEqual([25, 25, 25, 25])
    // The last of the 100 went to the fourth in order at the final clock reading.
    expect(stats[3].last).toBe(deps.clock.now())
    expect(stats[0].last).toBe(deps.clock.now() - 3000)
  })

  it('顺序 skips an unbound employee without breaking the order of the others', async () => {
    const { orgId } = await createOrgWithUser(deps)
    const [a, b] = await employees(orgId, 2)
    const [u] = await employees(orgId, 1, { bound: false })
    await config(orgId, { pushMode: 'round_robin', employeeIds: [a, u, b] })
    const picked: number[] = []
    for (let i = 0; i < 6; i++) picked.push((await route(deps, orgId))!.employees[0].id)
    expect(picked).toEqual([a, b, a, b, a, b])
  })

  it('顺序 stays fair across a restart: new Deps on the same database continue where the old left off', async () => {
    const { orgId } = await createOrgWithUser(deps)
    const ids = await employees(orgId, 4)
    await config(orgId, { pushMode: 'round_robin', employeeIds: ids })
    const picked: number[] = []
    for (let i = 0; i < 50; i++) picked.push((await route(deps, orgId))!.employees[0].id)
    const restarted = createTestDeps(handle)
    for (let i = 0; i < 50; i++) picked.push((await route(restarted, orgId))!.employees[0].id)
    // 50 = 12 rounds + 2: after the restart the third employee is next, not the first again.
    expect(picked[50]).toBe(ids[2])
    expect([...tally(picked).values()]).toEqual([25, 25, 25, 25])
  })

  it('顺序 stays fair when two instances (two connection pools) route concurrently', async () => {
    const { orgId } = await createOrgWithUser(deps)
    const ids = await employees(orgId, 4)
    const c = await config(orgId, { pushMode: 'round_robin', employeeIds: ids })
    const second = await openSecondHandle(handle)
    try {
      const other = createTestDeps(second)
      const picked: number[] = []
      const worker = async (d: Deps, n: number) => {
        for (let i = 0; i < n; i++) picked.push((await route(d, orgId))!.employees[0].id)
      }
      // Several concurrent callers per instance, as a queue with concurrency > 1 would have.
      await Promise.all([worker(deps, 25), worker(deps, 25), worker(other, 25), worker(other, 25)])
      expect(picked).toHaveLength(100)
      expect([...tally(picked).values()]).toEqual([25, 25, 25, 25])
      expect((await pushStats(c.id)).map((s) => s.count)).toEqual([25, 25, 25, 25])
    } finally {
      await second.close()
    }
  })

  it('固定 routes every attached employee (bound or not, so the unbound one can be reported); 不推送 routes nobody', async () => {
    const { orgId } = await createOrgWithUser(deps)
    const bound = await employees(orgId, 2)
    const [unbound] = await employees(orgId, 1, { bound: false })
    const fixed = await config(orgId, { pushMode: 'fixed', employeeIds: [bound[1], unbound, bound[0]], scriptTemplateId: 'T-FIXED' })
    const r = await route(deps, orgId, 'A', 'T-FIXED')
    expect(r).toMatchObject({ configId: fixed.id, mode: 'fixed' })
    expect(r!.employees.map((e) => e.id)).toEqual([bound[1], unbound, bound[0]])
    expect(r!.employees[1]).toMatchObject({ openid: null, name: expect.any(String), mobile: expect.stringMatching(/^139/) })
    expect((await pushStats(fixed.id)).map((s) => s.count)).toEqual([1, 1, 1])

    const none = await config(orgId, {
      pushMode: 'none',
      employeeIds: [bound[0]],
      scriptTemplateId: 'T-NONE',
      addToCrm: true,
      smsEnabled: true,
      smsTemplateId: '123456',
    })
    const n = await route(deps, orgId, 'B', 'T-NONE')
    expect(n).toEqual({ configId: none.id, mode: 'none', employees: [], addToCrm: true, sms: { enabled: true, templateId: '123456' } })
    expect((await pushStats(none.id)).map((s) => s.count)).toEqual([0])
  })

  it('a template’s own config beats the default; templates without one and calls without a template use the default; uncovered levels route nothing', async () => {
    const { orgId } = await createOrgWithUser(deps)
    const [d, t] = await employees(orgId, 2)
    expect(await route(deps, orgId)).toBeNull()
    const def = await config(orgId, { pushMode: 'fixed', employeeIds: [d], intentionLevels: ['A', 'B', 'C'] })
    const own = await config(orgId, {
      pushMode: 'fixed',
      employeeIds: [t],
      intentionLevels: ['A'],
      scriptTemplateId: 'T1',
      scriptTemplateName: '种植牙',
    })
    expect((await route(deps, orgId, 'A', 'T1'))!.configId).toBe(own.id)
    expect((await route(deps, orgId, 'A', 'T2'))!.configId).toBe(def.id)
    expect((await route(deps, orgId, 'C', null))!.configId).toBe(def.id)
    expect(await route(deps, orgId, 'D', null)).toBeNull()
    // T1 has a config of its own: the default does not fill in the levels it leaves out.
    expect(await route(deps, orgId, 'B', 'T1')).toBeNull()
    // Another org's configs are invisible.
    const other = await createOrgWithUser(deps)
    expect(await route(deps, other.orgId, 'A', 'T1')).toBeNull()
  })
})

describe.skipIf(TEST_DIALECT !== 'mysql')('routeIntent across processes', () => {
  it('顺序 stays fair when two server processes route 100 events of one config on MariaDB', async () => {
    const { orgId } = await createOrgWithUser(deps)
    const ids = await employees(orgId, 4)
    const c = await config(orgId, { pushMode: 'round_robin', employeeIds: ids })
    const url = `${TEST_MYSQL_URL}/${handle.mysql!.database}`
    const run = () =>
      promisify(execFile)(
        process.execPath,
        ['--import', 'tsx', join(process.cwd(), 'server/testing/route-intents.ts'), url, String(orgId), '50'],
        {
          cwd: process.cwd(),
        },
      )
    const outs = await Promise.all([run(), run()])
    const picked = outs.flatMap((o) => JSON.parse(o.stdout.trim()) as number[])
    expect(picked).toHaveLength(100)
    expect([...tally(picked).entries()].sort(([a], [b]) => a - b)).toEqual([...ids].sort((a, b) => a - b).map((id) => [id, 25]))
    expect((await pushStats(c.id)).map((s) => s.count)).toEqual([25, 25, 25, 25])
  }, 60_000)
})
