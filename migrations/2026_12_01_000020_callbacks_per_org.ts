// Callback events are unique per (org_id, dedupe_key), not per dedupe_key: two orgs connected to one corp each keep every event.
import type { Kysely } from 'kysely'

const COLUMNS: any[] = [
  'id',
  'org_id',
  'source',
  'dedupe_key',
  'msg_type',
  'event',
  'change_type',
  'userid',
  'external_userid',
  'plaintext',
  'create_time',
  'received_at',
  'status',
  'processed_at',
  'error',
]

/**
 * The old key is a column-level UNIQUE, which SQLite cannot drop (it is the table's own autoindex), so the table is
 * rebuilt the same way on both engines: new table, copy (ids kept: queued jobs name events by id), drop, rename.
 */
async function rebuild(db: Kysely<any>, unique: { name: string; columns: ('org_id' | 'dedupe_key')[] }): Promise<void> {
  await db.schema
    .createTable('callback_events_rebuilt')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('org_id', 'integer', (c) => c.notNull())
    .addColumn('source', 'varchar(16)', (c) => c.notNull())
    // sha256 of the decrypted plaintext: a platform retry carries the same plaintext, distinct events differ.
    .addColumn('dedupe_key', 'varchar(64)', (c) => c.notNull())
    .addColumn('msg_type', 'varchar(32)', (c) => c.notNull())
    .addColumn('event', 'varchar(64)', (c) => c.notNull().defaultTo(''))
    .addColumn('change_type', 'varchar(64)', (c) => c.notNull().defaultTo(''))
    .addColumn('userid', 'varchar(64)')
    .addColumn('external_userid', 'varchar(64)')
    .addColumn('plaintext', 'text', (c) => c.notNull())
    .addColumn('create_time', 'bigint', (c) => c.notNull())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('processed_at', 'bigint')
    .addColumn('error', 'text')
    .addUniqueConstraint(unique.name, unique.columns)
    .execute()
  await db.insertInto('callback_events_rebuilt').columns(COLUMNS).expression(db.selectFrom('callback_events').select(COLUMNS)).execute()
  // Dropping the table drops its indexes, so their names are free again (SQLite's index names are per schema).
  await db.schema.dropTable('callback_events').execute()
  await db.schema.alterTable('callback_events_rebuilt').renameTo('callback_events').execute()
  await db.schema.createIndex('callback_events_org_ext').on('callback_events').columns(['org_id', 'external_userid']).execute()
  await db.schema.createIndex('callback_events_org_time').on('callback_events').columns(['org_id', 'received_at']).execute()
}

export async function up(db: Kysely<any>): Promise<void> {
  await rebuild(db, { name: 'callback_events_org_dedupe', columns: ['org_id', 'dedupe_key'] })
  // The held events of disabled orgs, counted for the operator's org list and released when an org is enabled.
  await db.schema.createIndex('callback_events_org_status').on('callback_events').columns(['org_id', 'status']).execute()
}

/** Fails if two orgs now hold the same event: the old schema cannot represent that. */
export async function down(db: Kysely<any>): Promise<void> {
  await rebuild(db, { name: 'callback_events_dedupe_key', columns: ['dedupe_key'] })
}
