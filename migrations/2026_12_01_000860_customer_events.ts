// The append-only customer event log behind the profile timeline (added, tags, remarks, relation ends, re-adds).
import { MysqlAdapter, type Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('customer_events')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('org_id', 'integer', (c) => c.notNull())
    .addColumn('customer_id', 'integer', (c) => c.notNull())
    .addColumn('kind', 'varchar(32)', (c) => c.notNull())
    // The staff member of the relation the event is about ('' when it is about the customer as a whole).
    .addColumn('userid', 'varchar(64)', (c) => c.notNull())
    .addColumn('actor_type', 'varchar(16)', (c) => c.notNull())
    // A WeCom userid for staff, an admin_users id for admins, '' for the customer and the system.
    .addColumn('actor_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('detail', 'text', (c) => c.notNull())
    // Set when a callback caused the event: a second write for the same callback and kind is refused by the key.
    .addColumn('dedupe_key', 'varchar(128)')
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('customer_events_dedupe', ['org_id', 'dedupe_key'])
    .execute()
  await db.schema.createIndex('customer_events_timeline').on('customer_events').columns(['org_id', 'customer_id', 'at', 'id']).execute()
  // The timeline joins a customer's welcome outcomes by external_userid.
  await db.schema
    .createIndex('welcome_sends_customer')
    .on('welcome_sends')
    .columns(['org_id', 'customer_external_userid', 'created_at'])
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  // MySQL names the table in DROP INDEX; SQLite refuses the ON clause.
  const drop = db.schema.dropIndex('welcome_sends_customer')
  await (db.getExecutor().adapter instanceof MysqlAdapter ? drop.on('welcome_sends') : drop).execute()
  await db.schema.dropTable('customer_events').execute()
}
