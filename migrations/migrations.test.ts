// Migrations apply cleanly from empty on this run's dialect and create every table the code declares.
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { DbHandle } from '../server/db/connect'
import { migrateToLatest, migrationsPending } from '../server/db/migrate'
import { createTestDb } from '../server/testing/test-db'

let handle: DbHandle
beforeAll(async () => {
  handle = await createTestDb()
})
afterAll(async () => handle.close())

it('applies every migration from empty, and a second run does nothing', async () => {
  expect(await migrationsPending(handle.db)).toBe(0)
  expect(await migrateToLatest(handle.db)).toEqual([])
  const tables = (await handle.db.introspection.getTables()).map((t) => t.name)
  for (const t of ['orgs', 'admin_users', 'sessions', 'audit_log', 'queue_jobs', 'job_locks', 'job_runs', 'platform_tokens', 'wecom_configs', 'contact_ways', 'customers', 'customer_follows', 'tags', 'callback_events', 'messages', 'welcome_sends']) {
    expect(tables).toContain(t)
  }
})
