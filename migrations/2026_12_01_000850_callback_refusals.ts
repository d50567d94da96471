// Refused callbacks per org and Beijing day (bad signature, stale timestamp, undecryptable): 概览's callback health counts them.
import type { Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('callback_refusals')
    .addColumn('org_id', 'integer', (c) => c.notNull())
    .addColumn('day', 'bigint', (c) => c.notNull())
    .addColumn('source', 'varchar(8)', (c) => c.notNull())
    .addColumn('refused', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('callback_refusals_pk', ['org_id', 'day', 'source'])
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('callback_refusals').execute()
}
