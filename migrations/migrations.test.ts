// Migrations apply cleanly from empty on this run's dialect, create exactly the tables the Database type declares, and undo.
import { Migrator, NO_MIGRATIONS } from 'kysely'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { DbHandle } from '../server/db/connect'
import type { Database } from '../server/db/database'
import { migrateToLatest, migrationsPending } from '../server/db/migrate'
import { createTestDb } from '../server/testing/test-db'
import { migrationProvider } from './index'

/** Every table of the Database interface: a table added there but not here (or the reverse) is a type error. */
const DECLARED: Record<keyof Database, true> = {
  rate_limits: true,
  orgs: true,
  admin_users: true,
  sessions: true,
  login_failures: true,
  audit_log: true,
  queue_jobs: true,
  job_locks: true,
  job_runs: true,
  platform_tokens: true,
  wecom_configs: true,
  wecom_staff: true,
  contact_ways: true,
  customer_sync_settings: true,
  customer_sync_runs: true,
  customer_sync_chunks: true,
  customer_sync_seen: true,
  customers: true,
  customer_follows: true,
  crm_leads: true,
  messages: true,
  customer_events: true,
  tag_groups: true,
  tags: true,
  customer_tags: true,
  callback_events: true,
  callback_refusals: true,
  welcome_sends: true,
  employees: true,
  oa_accounts: true,
  sms_configs: true,
  sms_codes: true,
  oa_follow_qrcodes: true,
  api_keys: true,
  ingest_events: true,
  push_configs: true,
  push_config_employees: true,
  intent_leads: true,
  notify_settings: true,
  notify_facts: true,
  notifications: true,
  notification_deliveries: true,
  inbox_messages: true,
  announcements: true,
  broadcasts: true,
  broadcast_batches: true,
  broadcast_targets: true,
  broadcast_settings: true,
  broadcast_media: true,
  broadcast_links: true,
  broadcast_link_visitors: true,
  welcome_templates: true,
  welcome_template_uses: true,
  broadcast_rules: true,
  broadcast_rule_sends: true,
  customer_birthdays: true,
  lost_alert_settings: true,
  lost_alert_digests: true,
  customer_tag_batches: true,
  customer_tag_batch_items: true,
}
const declared = Object.keys(DECLARED).sort()

let handle: DbHandle
beforeAll(async () => {
  handle = await createTestDb()
})
afterAll(async () => handle.close())

/** The app's tables (Kysely's own bookkeeping tables are left out by the introspector). */
const tables = async () => (await handle.db.introspection.getTables()).map((t) => t.name).sort()

function step(r: { error?: unknown; results?: { migrationName: string; status: string }[] }): string {
  if (r.error) throw r.error
  expect(r.results).toHaveLength(1)
  expect(r.results![0].status).toBe('Success')
  return r.results![0].migrationName
}

it('applies every migration from empty: exactly the declared tables, none missing or extra; a second run does nothing', async () => {
  expect(await migrationsPending(handle.db)).toBe(0)
  expect(await migrateToLatest(handle.db)).toEqual([])
  expect(await tables()).toEqual(declared)
})

/** Every table with its columns: what a down must restore exactly. */
const schema = async () =>
  Object.fromEntries(
    (await handle.db.introspection.getTables())
      .map((t) => [t.name, t.columns.map((c) => `${c.name}:${c.dataType}:${c.isNullable ? 'null' : 'not null'}`).sort()] as const)
      .sort(([a], [b]) => a.localeCompare(b)),
  )

// Every migration's DDL twice over, each statement its own commit on MariaDB: seconds when quiet, far more on a busy machine.
it('each migration’s down restores exactly the schema its up started from, back to no tables, and up again restores them', async () => {
  const migrator = new Migrator({ db: handle.db, provider: migrationProvider })
  const names = Object.keys(await migrationProvider.getMigrations()).sort()
  const r = await migrator.migrateTo(NO_MIGRATIONS)
  if (r.error) throw r.error
  expect(await tables()).toEqual([])

  const before = new Map<string, Awaited<ReturnType<typeof schema>>>()
  for (const name of names) {
    // Tables and columns, not indexes (the introspector does not list them): index-only migrations are checked by their own tests.
    before.set(name, await schema())
    expect(step(await migrator.migrateUp())).toBe(name)
  }
  expect(await tables()).toEqual(declared)

  for (const name of [...names].reverse()) {
    expect(step(await migrator.migrateDown())).toBe(name)
    expect(await schema(), `${name} down`).toEqual(before.get(name))
  }
  expect(await tables()).toEqual([])

  expect(await migrateToLatest(handle.db)).toEqual(names)
  expect(await tables()).toEqual(declared)
}, 180_000)
