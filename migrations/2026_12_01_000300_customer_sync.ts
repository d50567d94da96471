// Per-org customer sync: schedule setting, resumable runs with per-chunk checkpoints, the pass's seen-relation log; imported contact ways.
import { MysqlAdapter, type Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('customer_sync_settings')
    .addColumn('org_id', 'integer', (c) => c.primaryKey())
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    /** Hour of day (Beijing time) of the scheduled run. */
    .addColumn('hour', 'integer', (c) => c.notNull().defaultTo(2))
    /** Contact ways created before this (unix s) have been imported; the next import lists only later windows. */
    .addColumn('ways_listed_until', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('customer_sync_runs')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('org_id', 'integer', (c) => c.notNull())
    .addColumn('job_run_id', 'integer')
    .addColumn('trigger', 'varchar(16)', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    /** JSON string[]: the follow users of the pass, fixed at its start so a resumed pass walks the same chunks. */
    .addColumn('userids', 'text', (c) => c.notNull())
    .addColumn('chunks', 'integer', (c) => c.notNull())
    .addColumn('users_per_call', 'integer', (c) => c.notNull())
    .addColumn('relations_estimate', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('lost', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('errors', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('resumed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('error', 'text')
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('heartbeat_at', 'bigint', (c) => c.notNull())
    .addColumn('finished_at', 'bigint')
    .execute()
  await db.schema.createIndex('customer_sync_runs_org').on('customer_sync_runs').columns(['org_id', 'id']).execute()

  await db.schema
    .createTable('customer_sync_chunks')
    .addColumn('run_id', 'integer', (c) => c.notNull())
    .addColumn('chunk', 'integer', (c) => c.notNull())
    .addColumn('cursor', 'varchar(512)')
    .addColumn('done', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('pages', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('relations', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('unchanged', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('customer_sync_chunks_pk', ['run_id', 'chunk'])
    .execute()

  await db.schema
    .createTable('customer_sync_seen')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('run_id', 'integer', (c) => c.notNull())
    /** JSON number[]: customer_follows ids one page listed. */
    .addColumn('follow_ids', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('customer_sync_seen_run').on('customer_sync_seen').columns(['run_id']).execute()

  // 外部创建: codes made in the WeCom admin, imported read-only so their states map to real codes.
  await db.schema
    .alterTable('contact_ways')
    .addColumn('external', 'integer', (c) => c.notNull().defaultTo(0))
    .execute()
  // The state such a code carries at WeCom. `state` is unique per org for the CRM's own codes, and an external code may
  // share one with a CRM code (that is the case attribution must get right), so imported rows keep a placeholder there.
  await db.schema
    .alterTable('contact_ways')
    .addColumn('wecom_state', 'varchar(64)', (c) => c.notNull().defaultTo(''))
    .execute()
  // The list's channel filter selects a way's customers by attribution (contact_way_id), newest first.
  await db.schema.createIndex('customers_org_way').on('customers').columns(['org_id', 'contact_way_id', 'first_added_at']).execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  // MySQL names the table in DROP INDEX; SQLite refuses the ON clause.
  const dropIndex = db.schema.dropIndex('customers_org_way')
  await (db.getExecutor().adapter instanceof MysqlAdapter ? dropIndex.on('customers') : dropIndex).execute()
  await db.schema.alterTable('contact_ways').dropColumn('wecom_state').execute()
  await db.schema.alterTable('contact_ways').dropColumn('external').execute()
  await db.schema.dropTable('customer_sync_seen').execute()
  await db.schema.dropTable('customer_sync_chunks').execute()
  await db.schema.dropTable('customer_sync_runs').execute()
  await db.schema.dropTable('customer_sync_settings').execute()
}
