// audit.list: the org's own entries only, newest first, with the action/username/time filters and paging.
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { DbHandle } from '../../db/connect'
import { createOrgWithUser, createTestDeps } from '../../testing/deps'
import { callerFor } from '../../testing/tenant'
import { createTestDb } from '../../testing/test-db'
import { writeAudit } from './audit.service'

let handle: DbHandle
beforeAll(async () => {
  handle = await createTestDb()
})
afterAll(async () => handle?.close())

it('lists the org entries under each filter, newest first, never another org', async () => {
  const deps = createTestDeps(handle)
  const a = await createOrgWithUser(deps, 'org_admin')
  const b = await createOrgWithUser(deps, 'org_admin')
  const t0 = deps.clock.now()
  const write = async (user: typeof a.user, action: string, ok = true) => {
    await writeAudit(deps, { user, action, input: { name: 'x', password: 'secret-1' }, ok, error: ok ? null : 'failed', ip: '127.0.0.1' })
    deps.clock.advance(1000)
  }
  await write(a.user, 'tags.create')
  await write(a.user, 'tags.remove', false)
  await write(a.user, 'users.create')
  await write(b.user, 'tags.create')

  const caller = callerFor(deps, a.user)
  const all = await caller.audit.list({ page: 1, pageSize: 10 })
  expect(all.total).toBe(3)
  expect(all.items.map((i) => i.action)).toEqual(['users.create', 'tags.remove', 'tags.create'])
  expect(all.items[1]).toMatchObject({ username: a.user.username, result: 'error', error: 'failed', ip: '127.0.0.1' })
  expect(all.items[2].inputSummary).toBe('{"name":"x","password":"[redacted]"}')

  expect((await caller.audit.list({ page: 1, pageSize: 10, action: 'tags.' })).items.map((i) => i.action)).toEqual([
    'tags.remove',
    'tags.create',
  ])
  expect((await caller.audit.list({ page: 1, pageSize: 10, username: b.user.username })).total).toBe(0)
  expect((await caller.audit.list({ page: 1, pageSize: 10, from: t0 + 1000, to: t0 + 2000 })).items.map((i) => i.action)).toEqual([
    'tags.remove',
  ])
  const page2 = await caller.audit.list({ page: 2, pageSize: 2 })
  expect(page2).toMatchObject({ total: 3, items: [{ action: 'tags.create' }] })
})
