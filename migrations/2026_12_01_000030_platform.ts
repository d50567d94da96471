// The counters of the shared WeCom call budget (rate-limiter-flexible's MySQL store: these three columns, in this order).
import type { Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  // The store inserts positionally (key, points, expire), so the column order is part of the contract. Created here,
  // not by the library at start-up: the app's account need not be allowed CREATE, and no first call can race the DDL.
  // SQLite deployments keep the budget in process and never use the table.
  await db.schema
    .createTable('rate_limits')
    .addColumn('key', 'varchar(191)', (c) => c.primaryKey())
    .addColumn('points', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('expire', 'bigint')
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('rate_limits').execute()
}
