// Automation rules for broadcasts, what each sent to whom per period (the once-only record), and customers' birthdays.
import type { Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('broadcast_rules')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('org_id', 'integer', (c) => c.notNull())
    .addColumn('name', 'varchar(64)', (c) => c.notNull())
    .addColumn('condition', 'text', (c) => c.notNull())
    .addColumn('content', 'text', (c) => c.notNull())
    .addColumn('period', 'varchar(16)', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('last_run_at', 'bigint')
    .addColumn('last_matched', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_sent', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('broadcast_rules_org').on('broadcast_rules').columns(['org_id', 'id']).execute()
  // The unique key is the "at most once per customer per rule per period", whichever instance or rerun gets there first.
  await db.schema
    .createTable('broadcast_rule_sends')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('org_id', 'integer', (c) => c.notNull())
    .addColumn('rule_id', 'integer', (c) => c.notNull())
    .addColumn('customer_id', 'integer', (c) => c.notNull())
    .addColumn('period_key', 'varchar(16)', (c) => c.notNull())
    .addColumn('broadcast_id', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('broadcast_rule_sends_once', ['rule_id', 'customer_id', 'period_key'])
    .execute()
  await db.schema.createIndex('broadcast_rule_sends_broadcast').on('broadcast_rule_sends').columns(['broadcast_id']).execute()
  await db.schema
    .createTable('customer_birthdays')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('org_id', 'integer', (c) => c.notNull())
    .addColumn('customer_id', 'integer', (c) => c.notNull())
    /** MM-DD */
    .addColumn('birthday', 'varchar(5)', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('customer_birthdays_customer', ['org_id', 'customer_id'])
    .execute()
  await db.schema.createIndex('customer_birthdays_day').on('customer_birthdays').columns(['org_id', 'birthday']).execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('customer_birthdays').execute()
  await db.schema.dropTable('broadcast_rule_sends').execute()
  await db.schema.dropTable('broadcast_rules').execute()
}
