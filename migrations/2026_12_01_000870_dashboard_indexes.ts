// Indexes for 概览's per-day and per-staff aggregates: relations ended by the staff side (deleted_at) and relations added (createtime).
import { MysqlAdapter, type Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  // Lost relations already range over (org_id, status, lost_at); deleted ones end at deleted_at.
  await db.schema.createIndex('customer_follows_org_deleted').on('customer_follows').columns(['org_id', 'status', 'deleted_at']).execute()
  // The staff ranking's adds in a window, across every staff member and channel.
  await db.schema.createIndex('customer_follows_org_created').on('customer_follows').columns(['org_id', 'createtime']).execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const name of ['customer_follows_org_created', 'customer_follows_org_deleted']) {
    const drop = db.schema.dropIndex(name)
    // MySQL's index names are per table, SQLite's per schema.
    await (db.getExecutor().adapter instanceof MysqlAdapter ? drop.on('customer_follows') : drop).execute()
  }
}
