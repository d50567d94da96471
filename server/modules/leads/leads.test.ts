// 线索: createLead once per (org, call) also under concurrency, list filters, status and assignee changes audited, tenancy.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DbHandle } from '../../db/connect'
import { createOrgWithUser, createTestDeps } from '../../testing/deps'
import { createTestDb } from '../../testing/test-db'
import { callerFor, expectTenantIsolation, type Caller } from '../../testing/tenant'
import { createLead } from './leads.service'

let handle: DbHandle
let deps: ReturnType<typeof createTestDeps>

beforeAll(async () => {
  handle = await createTestDb()
  deps = createTestDeps(handle)
})
afterAll(async () => handle?.close())

async function newOrg(): Promise<{ orgId: number; caller: Caller }> {
  const { orgId, user } = await createOrgWithUser(deps)
  return { orgId, caller: callerFor(deps, user) }
}

let seq = 0
const employee = async (caller: Caller) =>
  (await caller.employees.create({ name: `线索员工${++seq}`, mobile: `136${String(seq).padStart(8, '0')}` })).id

const lead = (employeeId: number | null, callId: string, extra: Partial<Parameters<typeof createLead>[2]> = {}) => ({
  employeeId,
  phone: '13912345678',
  customerName: '王女士',
  callId,
  intentionLevel: 'A',
  detailUrl: 'https://call.example.com/calls/1',
  ...extra,
})

describe('leads', () => {
  it('createLead is idempotent on (org, call): sequential and concurrent repeats give one row, the first assignee kept', async () => {
    const { orgId, caller } = await newOrg()
    const [e1, e2] = [await employee(caller), await employee(caller)]
    const first = await createLead(deps, orgId, lead(e1, 'call-1'))
    expect(first.created).toBe(true)
    expect(await createLead(deps, orgId, lead(e2, 'call-1'))).toEqual({ id: first.id, created: false })
    const racing = await Promise.all(Array.from({ length: 8 }, (_, i) => createLead(deps, orgId, lead(i % 2 ? e1 : e2, 'call-2'))))
    expect(racing.filter((r) => r.created)).toHaveLength(1)
    expect(new Set(racing.map((r) => r.id)).size).toBe(1)
    const rows = await deps.db.selectFrom('intent_leads').selectAll().where('org_id', '=', orgId).orderBy('id').execute()
    expect(rows.map((r) => [r.call_id, r.status])).toEqual([
      ['call-1', 'new'],
      ['call-2', 'new'],
    ])
    expect(rows[0].employee_id).toBe(e1)
    // The same call id in another org is another lead.
    const other = await newOrg()
    expect((await createLead(deps, other.orgId, lead(null, 'call-1'))).created).toBe(true)
  })

  it('lists with assignee, status, date and text filters; status and assignee changes are audited', async () => {
    const { orgId, caller } = await newOrg()
    const [e1, e2] = [await employee(caller), await employee(caller)]
    const t0 = deps.clock.now()
    const a = await createLead(deps, orgId, lead(e1, 'c-a', { customerName: '李先生', phone: '13800001111' }))
    deps.clock.advance(60_000)
    const b = await createLead(deps, orgId, lead(e2, 'c-b'))
    deps.clock.advance(60_000)
    await createLead(deps, orgId, lead(null, 'c-c', { intentionLevel: null, detailUrl: null }))

    const all = await caller.leads.list({})
    expect(all.total).toBe(3)
    expect(all.items[2]).toMatchObject({
      id: a.id,
      employeeId: e1,
      employeeName: expect.stringMatching(/^线索员工/),
      customerName: '李先生',
      status: 'new',
    })
    expect((await caller.leads.list({ employeeId: e2 })).items.map((i) => i.id)).toEqual([b.id])
    expect((await caller.leads.list({ from: t0 + 1, to: t0 + 60_001 })).items.map((i) => i.id)).toEqual([b.id])
    expect((await caller.leads.list({ q: '李' })).items.map((i) => i.id)).toEqual([a.id])

    expect(await caller.leads.setStatus({ id: a.id, status: 'following' })).toMatchObject({ status: 'following' })
    expect((await caller.leads.list({ status: 'following' })).items.map((i) => i.id)).toEqual([a.id])
    expect(await caller.leads.assign({ id: a.id, employeeId: e2 })).toMatchObject({ employeeId: e2 })
    const other = await newOrg()
    const foreign = await employee(other.caller)
    await expect(caller.leads.assign({ id: a.id, employeeId: foreign })).rejects.toMatchObject({ code: 'BAD_REQUEST' })
    const audit = await deps.db
      .selectFrom('audit_log')
      .select(['action', 'result'])
      .where('org_id', '=', orgId)
      .where('action', 'like', 'leads.%')
      .execute()
    expect(audit).toEqual(
      expect.arrayContaining([
        { action: 'leads.setStatus', result: 'ok' },
        { action: 'leads.assign', result: 'ok' },
      ]),
    )
  })

  it('tenant isolation: org B can neither see nor change org A’s lead', async () => {
    await expectTenantIsolation(deps, {
      async seed(callerA, orgA) {
        const e = await employee(callerA)
        return (await createLead(deps, orgA, lead(e, `iso-${Math.random()}`))).id
      },
      snapshot: (id) => deps.db.selectFrom('intent_leads').selectAll().where('id', '=', Number(id)).executeTakeFirst(),
      direct: {
        setStatus: (b, id) => b.leads.setStatus({ id: Number(id), status: 'invalid' }),
        assign: async (b, id) => {
          const mine = await b.employees.create({ name: '乙机构员工', mobile: `135${String(++seq).padStart(8, '0')}` })
          return b.leads.assign({ id: Number(id), employeeId: mine.id })
        },
      },
      lists: { list: async (b) => (await b.leads.list({})).items.map((i) => i.id) },
    })
  })
})
