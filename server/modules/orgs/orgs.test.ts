// Orgs: super admin creates an org with its first admin; disabling an org locks its users out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DbHandle } from '../../db/connect'
import { createTestDb } from '../../testing/test-db'
import { createOrgWithUser, createTestDeps } from '../../testing/deps'
import { callerFor } from '../../testing/tenant'
import { login, resolveSession } from '../auth/auth.service'

let handle: DbHandle
let deps: ReturnType<typeof createTestDeps>

beforeAll(async () => {
  handle = await createTestDb()
  deps = createTestDeps(handle)
})
afterAll(async () => handle.close())

describe('orgs', () => {
  it('creates an org with its admin, lists it, and disabling it ends its sessions', async () => {
    const sa = await createOrgWithUser(deps, 'super_admin')
    const caller = callerFor(deps, sa.user)
    const { id } = await caller.orgs.create({
      name: '美丽诊所',
      slug: 'meili',
      admin: { username: 'meili-admin', displayName: '王主任', password: 'password-321' },
    })
    const page = await caller.orgs.list({ page: 1, pageSize: 10, q: '美丽' })
    expect(page.items).toEqual([expect.objectContaining({ id, name: '美丽诊所', userCount: 1 })])
    await expect(
      caller.orgs.create({ name: '重复', slug: 'meili', admin: { username: 'other-admin', displayName: 'x', password: 'password-321' } }),
    ).rejects.toMatchObject({ code: 'CONFLICT' })

    const s = await login(deps, { username: 'meili-admin', password: 'password-321', ip: '5.5.5.5', userAgent: 't' })
    expect(s.user).toMatchObject({ role: 'org_admin', orgId: id })
    await caller.orgs.update({ id, status: 'disabled' })
    expect(await resolveSession(deps, s.token)).toBeNull()
    await expect(login(deps, { username: 'meili-admin', password: 'password-321', ip: '5.5.5.6', userAgent: 't' })).rejects.toMatchObject({
      kind: 'forbidden',
      message: '所属机构已停用',
    })
  })
})
