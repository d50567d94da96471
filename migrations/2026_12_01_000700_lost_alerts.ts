// Who ended a relation when the sync found it missing, the per-org lost-customer alert setting, and the digest's once-per-day record.
import type { Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  // Null for relations ended by a callback (status says which side); 'sync' when a complete pass no longer saw them.
  await db.schema.alterTable('customer_follows').addColumn('lost_by', 'varchar(8)').execute()
  await db.schema
    .createTable('lost_alert_settings')
    .addColumn('org_id', 'integer', (c) => c.primaryKey())
    .addColumn('mode', 'varchar(16)', (c) => c.notNull())
    .addColumn('recipients', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute()
  // The unique key is the "one digest per recipient per day", whichever instance or rerun claims it first.
  await db.schema
    .createTable('lost_alert_digests')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('org_id', 'integer', (c) => c.notNull())
    .addColumn('day', 'varchar(10)', (c) => c.notNull())
    .addColumn('userid', 'varchar(64)', (c) => c.notNull())
    .addColumn('lost_count', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('lost_alert_digests_once', ['org_id', 'day', 'userid'])
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('lost_alert_digests').execute()
  await db.schema.dropTable('lost_alert_settings').execute()
  await db.schema.alterTable('customer_follows').dropColumn('lost_by').execute()
}
