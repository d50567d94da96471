// Broadcasts (群发): the message and its targets, one batch row per add_msg_template call, resolved targets, per-org receive limit.
import { MysqlAdapter, sql, type Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  // A selection of up to 100 000 customer ids, or an image as base64, does not fit MySQL's TEXT (64 KB).
  const big = db.getExecutor().adapter instanceof MysqlAdapter ? sql`mediumtext` : sql`text`
  await db.schema
    .createTable('broadcasts')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('org_id', 'integer', (c) => c.notNull())
    .addColumn('title', 'varchar(64)', (c) => c.notNull())
    .addColumn('text', 'text')
    .addColumn('attachments', 'text', (c) => c.notNull())
    .addColumn('targets', big, (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('scheduled_at', 'bigint')
    .addColumn('started_at', 'bigint')
    .addColumn('resolved_at', 'bigint')
    .addColumn('submitted_at', 'bigint')
    .addColumn('canceled_at', 'bigint')
    .addColumn('target_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('skipped_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('poll_until', 'bigint')
    .addColumn('polled_at', 'bigint')
    .addColumn('remind_times', 'text', (c) => c.notNull())
    .addColumn('error', 'varchar(500)')
    .addColumn('created_by', 'integer')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('broadcasts_org_created').on('broadcasts').columns(['org_id', 'created_at']).execute()
  await db.schema.createIndex('broadcasts_status_scheduled').on('broadcasts').columns(['status', 'scheduled_at']).execute()

  await db.schema
    .createTable('broadcast_batches')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('org_id', 'integer', (c) => c.notNull())
    .addColumn('broadcast_id', 'integer', (c) => c.notNull())
    .addColumn('sender', 'varchar(64)', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('target_count', 'integer', (c) => c.notNull())
    .addColumn('fail_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('msgid', 'varchar(64)')
    .addColumn('called_at', 'bigint')
    .addColumn('submitted_at', 'bigint')
    .addColumn('reconciled', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('task_status', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('confirmed_at', 'bigint')
    .addColumn('results_at', 'bigint')
    .addColumn('error', 'varchar(500)')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('broadcast_batches_slot', ['broadcast_id', 'sender', 'seq'])
    .execute()
  await db.schema.createIndex('broadcast_batches_org_msgid').on('broadcast_batches').columns(['org_id', 'msgid']).execute()

  await db.schema
    .createTable('broadcast_targets')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('org_id', 'integer', (c) => c.notNull())
    .addColumn('broadcast_id', 'integer', (c) => c.notNull())
    .addColumn('batch_id', 'integer', (c) => c.notNull())
    .addColumn('customer_id', 'integer', (c) => c.notNull())
    .addColumn('external_userid', 'varchar(64)', (c) => c.notNull())
    .addColumn('sender', 'varchar(64)', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('send_time', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('broadcast_targets_customer', ['broadcast_id', 'customer_id'])
    .execute()
  await db.schema.createIndex('broadcast_targets_batch_ext').on('broadcast_targets').columns(['batch_id', 'external_userid']).execute()
  // What the receive-limit warning counts: a customer's deliveries in the current period.
  await db.schema
    .createIndex('broadcast_targets_received')
    .on('broadcast_targets')
    .columns(['org_id', 'customer_id', 'status', 'send_time'])
    .execute()

  // Uploaded images kept so their media_id (valid 3 days) can be renewed whenever a send needs it.
  await db.schema
    .createTable('broadcast_media')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('org_id', 'integer', (c) => c.notNull())
    .addColumn('filename', 'varchar(128)', (c) => c.notNull())
    .addColumn('data_base64', big, (c) => c.notNull())
    .addColumn('media_id', 'varchar(128)')
    .addColumn('uploaded_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('broadcast_media_org').on('broadcast_media').columns(['org_id', 'id']).execute()

  // Tracking links: one token per (batch, link attachment), since a batch's customers all receive the same content.
  await db.schema
    .createTable('broadcast_links')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('org_id', 'integer', (c) => c.notNull())
    .addColumn('broadcast_id', 'integer', (c) => c.notNull())
    .addColumn('batch_id', 'integer', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('token', 'varchar(32)', (c) => c.notNull().unique())
    .addColumn('url', 'varchar(2048)', (c) => c.notNull())
    .addColumn('clicks', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('broadcast_links_slot', ['batch_id', 'position'])
    .execute()
  await db.schema.createIndex('broadcast_links_broadcast').on('broadcast_links').columns(['org_id', 'broadcast_id']).execute()
  await db.schema
    .createTable('broadcast_link_visitors')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('link_id', 'integer', (c) => c.notNull())
    .addColumn('visitor', 'varchar(64)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('broadcast_link_visitors_once', ['link_id', 'visitor'])
    .execute()

  await db.schema
    .createTable('broadcast_settings')
    .addColumn('org_id', 'integer', (c) => c.primaryKey())
    .addColumn('receive_limit', 'varchar(16)', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('broadcast_settings').execute()
  await db.schema.dropTable('broadcast_media').execute()
  await db.schema.dropTable('broadcast_link_visitors').execute()
  await db.schema.dropTable('broadcast_links').execute()
  await db.schema.dropTable('broadcast_targets').execute()
  await db.schema.dropTable('broadcast_batches').execute()
  await db.schema.dropTable('broadcasts').execute()
}
