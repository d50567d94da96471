// 2026_12_01_000020 on this run's dialect: down and up again keep every event (ids too), and afterwards the dedupe key is unique per org only.
import { Migrator, sql } from 'kysely'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { DbHandle } from '../server/db/connect'
import { migrateToLatest } from '../server/db/migrate'
import { createTestDb } from '../server/testing/test-db'
import { migrationProvider } from './index'

let handle: DbHandle
beforeAll(async () => {
  handle = await createTestDb()
})
afterAll(async () => handle.close())

const row = (id: number, orgId: number, dedupeKey: string) => ({
  id,
  org_id: orgId,
  source: 'wecom' as const,
  dedupe_key: dedupeKey,
  msg_type: 'event',
  event: 'change_external_chat',
  change_type: 'dismiss',
  userid: null,
  external_userid: 'wmX',
  plaintext: '<xml/>',
  create_time: 1,
  received_at: 2,
  status: 'pending' as const,
  processed_at: null,
  error: null,
})

const insertIgnored = async (r: ReturnType<typeof row>) =>
  Number((await handle.db.insertInto('callback_events').values(r).ignore().executeTakeFirst()).numInsertedOrUpdatedRows ?? 0n)

it('migrates callback_events from a global to a per-org dedupe key keeping the rows and indexes', async () => {
  const migrator = new Migrator({ db: handle.db, provider: migrationProvider })
  const down = await migrator.migrateTo('2026_11_21_000002_wecom_crm')
  expect(down.error).toBeUndefined()
  expect(down.results?.map((r) => [r.migrationName, r.direction, r.status])).toContainEqual([
    '2026_12_01_000020_callbacks_per_org',
    'Down',
    'Success',
  ])

  // Before: one dedupe key once, whatever the org.
  expect(await insertIgnored(row(41, 1, 'k1'))).toBe(1)
  expect(await insertIgnored(row(42, 2, 'k1'))).toBe(0)
  expect(await insertIgnored(row(43, 2, 'k2'))).toBe(1)

  expect(await migrateToLatest(handle.db)).toContain('2026_12_01_000020_callbacks_per_org')
  const kept = await handle.db
    .selectFrom('callback_events')
    .select(['id', 'org_id', 'dedupe_key', 'external_userid'])
    .orderBy('id')
    .execute()
  expect(kept).toEqual([
    { id: 41, org_id: 1, dedupe_key: 'k1', external_userid: 'wmX' },
    { id: 43, org_id: 2, dedupe_key: 'k2', external_userid: 'wmX' },
  ])
  // After: per org. Same key in another org is a new event; in the same org, a duplicate.
  expect(await insertIgnored(row(44, 2, 'k1'))).toBe(1)
  expect(await insertIgnored(row(45, 1, 'k1'))).toBe(0)
  // Ids continue after the copied ones, and the indexes are back.
  const next = await handle.db
    .insertInto('callback_events')
    .values({ ...row(0, 3, 'k3'), id: undefined })
    .executeTakeFirstOrThrow()
  expect(Number(next.insertId)).toBeGreaterThan(44)
  const indexes: Record<'sqlite' | 'mysql', () => Promise<string[]>> = {
    sqlite: async () =>
      (
        await sql<{
          name: string
        }>`select name from sqlite_master where type = 'index' and tbl_name = 'callback_events' and sql is not null`.execute(handle.db)
      ).rows.map((r) => r.name),
    mysql: async () =>
      (
        await sql<{
          name: string
        }>`select distinct index_name as name from information_schema.statistics where table_schema = database() and table_name = 'callback_events' and index_name not in ('PRIMARY', 'callback_events_org_dedupe')`.execute(
          handle.db,
        )
      ).rows.map((r) => r.name),
  }
  expect((await indexes[handle.kind]()).sort()).toEqual([
    'callback_events_org_ext',
    'callback_events_org_status',
    'callback_events_org_time',
  ])
})
