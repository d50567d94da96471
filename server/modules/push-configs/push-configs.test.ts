// 推送配置 procedures: CRUD with ordered employees and bound status, one config per template and one default per org under races, tenancy.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DbHandle } from '../../db/connect'
import { createOrgWithUser, createTestDeps } from '../../testing/deps'
import { countRows, createTestDb } from '../../testing/test-db'
import { callerFor, expectTenantIsolation, type Caller } from '../../testing/tenant'
import { routeIntent } from './push-routing'

let handle: DbHandle
let deps: ReturnType<typeof createTestDeps>

beforeAll(async () => {
  handle = await createTestDb()
  deps = createTestDeps(handle)
})
afterAll(async () => handle?.close())

async function newOrg(role: 'org_admin' | 'org_member' = 'org_admin'): Promise<{ orgId: number; caller: Caller }> {
  const { orgId, user } = await createOrgWithUser(deps, role)
  return { orgId, caller: callerFor(deps, user) }
}

let seq = 0
async function employee(caller: Caller, bound = false): Promise<number> {
  const e = await caller.employees.create({ name: `推送员工${++seq}`, mobile: `137${String(seq).padStart(8, '0')}` })
  if (bound)
    await deps.db
      .updateTable('employees')
      .set({ openid: `o-push-${seq}`, bound_at: 1 })
      .where('id', '=', e.id)
      .execute()
  return e.id
}

const configRows = (orgId: number) => deps.db.selectFrom('push_configs').selectAll().where('org_id', '=', orgId).execute()

describe('pushConfigs', () => {
  it('creates, lists, edits (reorders, keeps counts of employees kept) and deletes', async () => {
    const { orgId, caller } = await newOrg()
    const [a, b, c] = [await employee(caller, true), await employee(caller), await employee(caller, true)]
    const created = await caller.pushConfigs.create({
      scriptTemplateId: 'TPL-1',
      scriptTemplateName: '种植牙回访',
      intentionLevels: ['B', 'A', 'B'],
      pushMode: 'round_robin',
      employeeIds: [b, a],
      addToCrm: true,
    })
    expect(created).toMatchObject({
      scriptTemplateId: 'TPL-1',
      scriptTemplateName: '种植牙回访',
      isDefault: false,
      intentionLevels: ['A', 'B'],
      pushMode: 'round_robin',
      addToCrm: true,
      smsEnabled: false,
      smsTemplateId: null,
    })
    expect(created.employees.map((e) => [e.employeeId, e.bound, e.position, e.pushCount, e.lastPushedAt])).toEqual([
      [b, false, 0, 0, null],
      [a, true, 1, 0, null],
    ])
    await routeIntent(deps, orgId, { scriptTemplateId: 'TPL-1', intentionLevel: 'A' })

    const def = await caller.pushConfigs.create({ intentionLevels: ['C'], pushMode: 'none', employeeIds: [] })
    expect(def).toMatchObject({ isDefault: true, scriptTemplateId: '', scriptTemplateName: '默认设置' })
    const list = await caller.pushConfigs.list({ page: 1, pageSize: 10 })
    expect(list.total).toBe(2)
    expect(list.items.map((i) => i.id)).toEqual([def.id, created.id])
    expect((await caller.pushConfigs.list({ q: '种植' })).items.map((i) => i.id)).toEqual([created.id])

    const edited = await caller.pushConfigs.update({
      id: created.id,
      scriptTemplateId: 'TPL-1',
      scriptTemplateName: '种植牙回访',
      intentionLevels: ['A'],
      pushMode: 'fixed',
      employeeIds: [c, a],
      smsEnabled: true,
      smsTemplateId: '2233445',
    })
    expect(edited.employees.map((e) => [e.employeeId, e.position, e.pushCount])).toEqual([
      [c, 0, 0],
      [a, 1, 1],
    ])
    expect(edited).toMatchObject({ pushMode: 'fixed', smsEnabled: true, smsTemplateId: '2233445', addToCrm: false })
    expect(edited.employees[1].lastPushedAt).toBe(deps.clock.now())

    await caller.pushConfigs.remove({ id: created.id })
    await expect(caller.pushConfigs.get({ id: created.id })).rejects.toMatchObject({ code: 'NOT_FOUND' })
    expect(await deps.db.selectFrom('push_config_employees').select('id').where('config_id', '=', created.id).execute()).toEqual([])
    // Audited: who changed routing is on record.
    const audit = await deps.db.selectFrom('audit_log').select('action').where('org_id', '=', orgId).execute()
    expect(audit.map((r) => r.action)).toEqual(expect.arrayContaining(['pushConfigs.create', 'pushConfigs.update', 'pushConfigs.remove']))
  })

  it('rejects inconsistent input: no employees for a push mode, SMS without template, another org’s employee', async () => {
    const { caller } = await newOrg()
    const other = await newOrg()
    const foreign = await employee(other.caller)
    const before = await countRows(deps.db, 'push_configs')
    await expect(caller.pushConfigs.create({ intentionLevels: ['A'], pushMode: 'fixed', employeeIds: [] })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining('请至少选择一名推送员工'),
    })
    await expect(
      caller.pushConfigs.create({ intentionLevels: ['A'], pushMode: 'none', employeeIds: [], smsEnabled: true }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('短信模板') })
    await expect(caller.pushConfigs.create({ intentionLevels: ['A'], pushMode: 'fixed', employeeIds: [foreign] })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining('不存在'),
    })
    expect(await countRows(deps.db, 'push_configs')).toBe(before)
  })

  it('one default per org and one config per template, also when admins save at once: one row, the others 409', async () => {
    const { orgId, caller } = await newOrg()
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) =>
        caller.pushConfigs.create({ intentionLevels: ['A'], pushMode: 'none', employeeIds: [], scriptTemplateName: `x${i}` }),
      ),
    )
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
    for (const r of results.filter((r) => r.status === 'rejected')) {
      expect((r as PromiseRejectedResult).reason).toMatchObject({ code: 'CONFLICT', message: '本机构已有默认设置，请直接编辑它' })
    }
    const t = await Promise.allSettled(
      Array.from({ length: 4 }, () =>
        caller.pushConfigs.create({ scriptTemplateId: 'T9', intentionLevels: ['A'], pushMode: 'none', employeeIds: [] }),
      ),
    )
    expect(t.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
    expect((await configRows(orgId)).map((r) => r.script_template_id).sort()).toEqual(['', 'T9'])
    // Renaming a config onto a template that has one is the same conflict.
    const t10 = await caller.pushConfigs.create({ scriptTemplateId: 'T10', intentionLevels: ['A'], pushMode: 'none', employeeIds: [] })
    await expect(
      caller.pushConfigs.update({ id: t10.id, scriptTemplateId: 'T9', intentionLevels: ['A'], pushMode: 'none', employeeIds: [] }),
    ).rejects.toMatchObject({ code: 'CONFLICT' })
    // Another org has its own default.
    const other = await newOrg()
    await other.caller.pushConfigs.create({ intentionLevels: ['A'], pushMode: 'none', employeeIds: [] })
  })

  it('members can read but not change push configs', async () => {
    const admin = await newOrg()
    const member = callerFor(deps, { ...(await createOrgWithUser(deps, 'org_member')).user, orgId: admin.orgId, actingOrgId: admin.orgId })
    await expect(member.pushConfigs.create({ intentionLevels: ['A'], pushMode: 'none', employeeIds: [] })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    })
    expect((await member.pushConfigs.list({})).total).toBe(0)
  })

  it('tenant isolation: org B can neither read, edit nor delete org A’s config', async () => {
    await expectTenantIsolation(deps, {
      async seed(callerA) {
        const e = await employee(callerA, true)
        return (await callerA.pushConfigs.create({ scriptTemplateId: 'ISO', intentionLevels: ['A'], pushMode: 'fixed', employeeIds: [e] }))
          .id
      },
      snapshot: async (id) => ({
        config: await deps.db.selectFrom('push_configs').selectAll().where('id', '=', Number(id)).executeTakeFirst(),
        employees: await deps.db.selectFrom('push_config_employees').selectAll().where('config_id', '=', Number(id)).execute(),
      }),
      direct: {
        get: (b, id) => b.pushConfigs.get({ id: Number(id) }),
        update: (b, id) =>
          b.pushConfigs.update({ id: Number(id), scriptTemplateId: 'ISO', intentionLevels: ['B'], pushMode: 'none', employeeIds: [] }),
        remove: (b, id) => b.pushConfigs.remove({ id: Number(id) }),
      },
      lists: { list: async (b) => (await b.pushConfigs.list({})).items.map((i) => i.id) },
    })
  })
})
