// Covering indexes for 概览's window aggregates: relations ended by the staff side, relations added per staff member,
// customers added per channel, and welcome outcomes per staff member, each read from the index alone.
import { MysqlAdapter, type Kysely } from 'kysely'

const INDEXES = [
  // Lost relations already range over (org_id, status, lost_at); deleted ones end at deleted_at.
  { name: 'customer_follows_org_deleted', table: 'customer_follows', columns: ['org_id', 'status', 'deleted_at', 'userid'] },
  { name: 'customer_follows_org_created', table: 'customer_follows', columns: ['org_id', 'createtime', 'userid'] },
  { name: 'customers_org_added_way', table: 'customers', columns: ['org_id', 'first_added_at', 'contact_way_id', 'status'] },
  { name: 'welcome_sends_org_outcome', table: 'welcome_sends', columns: ['org_id', 'created_at', 'userid', 'status'] },
] as const

export async function up(db: Kysely<any>): Promise<void> {
  for (const ix of INDEXES)
    await db.schema
      .createIndex(ix.name)
      .on(ix.table)
      .columns([...ix.columns])
      .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const ix of [...INDEXES].reverse()) {
    const drop = db.schema.dropIndex(ix.name)
    // MySQL's index names are per table, SQLite's per schema.
    await (db.getExecutor().adapter instanceof MysqlAdapter ? drop.on(ix.table) : drop).execute()
  }
}
