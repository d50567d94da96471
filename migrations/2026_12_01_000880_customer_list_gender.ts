// Index for the customer list's gender filter: its capped count and its newest-first page read the index alone.
import { MysqlAdapter, type Kysely } from 'kysely'

const INDEX = { name: 'customers_org_gender', table: 'customers', columns: ['org_id', 'gender', 'first_added_at'] }

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex(INDEX.name).on(INDEX.table).columns(INDEX.columns).execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  const drop = db.schema.dropIndex(INDEX.name)
  // MySQL's index names are per table, SQLite's per schema.
  await (db.getExecutor().adapter instanceof MysqlAdapter ? drop.on(INDEX.table) : drop).execute()
}
