// Org user management: CRUD within the org, audit of every mutation, tenant isolation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DbHandle } from '../../db/connect'
import { createTestDb } from '../../testing/test-db'
import { createOrgWithUser, createTestDeps } from '../../testing/deps'
import { callerFor, expectTenantIsolation } from '../../testing/tenant'
import { verifyPassword } from '../auth/password'

let handle: DbHandle
let deps: ReturnType<typeof createTestDeps>

beforeAll(async () => {
  handle = await createTestDb()
  deps = createTestDeps(handle)
})
afterAll(async () => handle.close())

describe('users', () => {
  it('creates, updates and resets passwords; every mutation is audited without secrets', async () => {
    const { user, orgId } = await createOrgWithUser(deps, 'org_admin')
    const caller = callerFor(deps, user)
    const { id } = await caller.users.create({
      username: 'Doctor.Li',
      displayName: '李医生',
      password: 'secret-pass-1',
      role: 'org_member',
    })
    await caller.users.update({ id, role: 'org_admin' })
    await caller.users.resetPassword({ id, password: 'secret-pass-2' })
    const row = await deps.db.selectFrom('admin_users').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
    expect(row).toMatchObject({ username: 'doctor.li', role: 'org_admin', org_id: orgId })
    expect(await verifyPassword('secret-pass-2', row.password_hash)).toBe(true)
    await expect(
      caller.users.create({ username: 'doctor.li', displayName: '重复', password: 'secret-pass-3', role: 'org_member' }),
    ).rejects.toMatchObject({ code: 'CONFLICT' })

    const audit = await deps.db.selectFrom('audit_log').selectAll().where('org_id', '=', orgId).orderBy('id').execute()
    expect(audit.map((a) => [a.action, a.result])).toEqual([
      ['users.create', 'ok'],
      ['users.update', 'ok'],
      ['users.resetPassword', 'ok'],
      ['users.create', 'error'],
    ])
    for (const a of audit) expect(a.input_summary ?? '').not.toMatch(/secret-pass/)
    const listed = await caller.audit.list({ page: 1, pageSize: 10 })
    expect(listed.total).toBe(4)
  })

  it('an org admin cannot demote or disable themselves', async () => {
    const { user } = await createOrgWithUser(deps, 'org_admin')
    await expect(callerFor(deps, user).users.update({ id: user.id, status: 'disabled' })).rejects.toMatchObject({ code: 'BAD_REQUEST' })
  })

  it('is isolated between orgs', async () => {
    await expectTenantIsolation(deps, {
      seed: async (a) =>
        (await a.users.create({ username: `iso${Date.now()}`, displayName: '隔离', password: 'password-999', role: 'org_member' })).id,
      snapshot: (id) => deps.db.selectFrom('admin_users').selectAll().where('id', '=', Number(id)).executeTakeFirst(),
      direct: {
        'users.update': (b, id) => b.users.update({ id: Number(id), displayName: '被改了' }),
        'users.resetPassword': (b, id) => b.users.resetPassword({ id: Number(id), password: 'hijacked-1' }),
      },
      lists: { 'users.list': async (b) => (await b.users.list({ page: 1, pageSize: 100 })).items.map((u) => u.id) },
    })
  })

  it('two admins creating one username at once: exactly one wins, the others get CONFLICT, one row', async () => {
    const { user } = await createOrgWithUser(deps, 'org_admin')
    const username = `race${Date.now()}`
    const results = await Promise.allSettled(
      Array.from({ length: 4 }, (_, i) =>
        callerFor(deps, user).users.create({ username, displayName: `并发${i}`, password: 'password-777', role: 'org_member' }),
      ),
    )
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason)
    expect(refused).toHaveLength(3)
    for (const err of refused) expect(err).toMatchObject({ code: 'CONFLICT', message: `用户名 ${username} 已被使用` })
    const rows = await deps.db.selectFrom('admin_users').select('id').where('username', '=', username).execute()
    expect(rows).toHaveLength(1)
  })
})
