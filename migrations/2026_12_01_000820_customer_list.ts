// Indexes the customer list's filters read (covering, so counts and probes stay in the index) and the batch tag runs.
import { MysqlAdapter, type Kysely } from 'kysely'

const INDEXES: [name: string, table: string, columns: string[]][] = [
  // 渠道 + 状态 counted and paged without touching rows; the add time keeps a page in sort order.
  ['customers_org_chan_status', 'customers', ['org_id', 'channel_state', 'contact_way_id', 'status', 'first_added_at']],
  // A staff member's customers as a covering range (the older (org_id, userid, status) index needs a row read per relation).
  ['customer_follows_org_user_cust', 'customer_follows', ['org_id', 'userid', 'status', 'customer_id']],
  // The text search reads remarks from here: most are empty, so `remark > ''` skips them in the index.
  ['customer_follows_org_remark', 'customer_follows', ['org_id', 'remark', 'customer_id']],
]

export async function up(db: Kysely<any>): Promise<void> {
  for (const [name, table, columns] of INDEXES) await db.schema.createIndex(name).on(table).columns(columns).execute()

  // 批量打标签 / 批量移除标签: one row per run, one item per relation (a queue job each).
  await db.schema
    .createTable('customer_tag_batches')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('org_id', 'integer', (c) => c.notNull())
    .addColumn('action', 'varchar(8)', (c) => c.notNull())
    .addColumn('tag_refs', 'text', (c) => c.notNull())
    .addColumn('customers', 'integer', (c) => c.notNull())
    .addColumn('created_by', 'integer')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('customer_tag_batches_org').on('customer_tag_batches').columns(['org_id', 'id']).execute()
  await db.schema
    .createTable('customer_tag_batch_items')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('batch_id', 'integer', (c) => c.notNull())
    .addColumn('org_id', 'integer', (c) => c.notNull())
    .addColumn('customer_id', 'integer', (c) => c.notNull())
    .addColumn('userid', 'varchar(64)', (c) => c.notNull())
    .addColumn('status', 'varchar(8)', (c) => c.notNull())
    .addColumn('error', 'varchar(500)')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('customer_tag_batch_items_rel', ['batch_id', 'customer_id', 'userid'])
    .execute()
  await db.schema.createIndex('customer_tag_batch_items_status').on('customer_tag_batch_items').columns(['batch_id', 'status']).execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('customer_tag_batch_items').execute()
  await db.schema.dropTable('customer_tag_batches').execute()
  // MySQL names the table in DROP INDEX; SQLite refuses the ON clause.
  const mysql = db.getExecutor().adapter instanceof MysqlAdapter
  for (const [name, table] of INDEXES) {
    const drop = db.schema.dropIndex(name)
    await (mysql ? drop.on(table) : drop).execute()
  }
}
