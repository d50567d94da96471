// Notification inputs: ingest API keys, ingested events (idempotent per org), push configs with their ordered employees, and intent leads.
import { MysqlAdapter, sql, type ColumnDefinitionBuilder, type Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  // Keys and ids from the calling system are compared byte for byte ("k1" ≠ "K1", trailing spaces count) on both engines;
  // MySQL's default collation would fold case and pad, so its unique keys need the binary collation.
  const mysql = db.getExecutor().adapter instanceof MysqlAdapter
  const exact = (c: ColumnDefinitionBuilder) => (mysql ? c.notNull().modifyEnd(sql`collate utf8mb4_bin`) : c.notNull())
  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('org_id', 'integer', (c) => c.notNull())
    .addColumn('name', 'varchar(50)', (c) => c.notNull())
    // The public half sent as X-Api-Key; unique across orgs because the route finds the org by it.
    .addColumn('key_id', 'varchar(40)', exact)
    .addColumn('secret_sealed', 'text', (c) => c.notNull())
    .addColumn('is_demo', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_by', 'integer')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .addUniqueConstraint('api_keys_key_id', ['key_id'])
    .execute()
  await db.schema.createIndex('api_keys_org').on('api_keys').columns(['org_id', 'created_at']).execute()

  await db.schema
    .createTable('ingest_events')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('org_id', 'integer', (c) => c.notNull())
    .addColumn('api_key_id', 'integer')
    .addColumn('idempotency_key', 'varchar(128)', exact)
    .addColumn('type', 'varchar(20)', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addColumn('result', 'text', (c) => c.notNull())
    // Which request stored the row: after INSERT IGNORE, the rows carrying this request's id are the ones it created.
    .addColumn('request_id', 'varchar(36)', (c) => c.notNull())
    .addUniqueConstraint('ingest_events_org_key', ['org_id', 'idempotency_key'])
    .execute()
  await db.schema.createIndex('ingest_events_org_received').on('ingest_events').columns(['org_id', 'received_at']).execute()

  await db.schema
    .createTable('push_configs')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('org_id', 'integer', (c) => c.notNull())
    // '' is 默认设置: a NULL would not collide in a unique key, and one default per org must be a key, not a check.
    .addColumn('script_template_id', 'varchar(64)', exact)
    .addColumn('script_template_name', 'varchar(100)', (c) => c.notNull())
    .addColumn('intention_levels', 'varchar(32)', (c) => c.notNull())
    .addColumn('push_mode', 'varchar(16)', (c) => c.notNull())
    .addColumn('add_to_crm', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('sms_enabled', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('sms_template_id', 'varchar(32)')
    // 顺序推送's next position, advanced under this row's lock so every instance and restart shares it.
    .addColumn('rr_cursor', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('push_configs_org_template', ['org_id', 'script_template_id'])
    .execute()

  await db.schema
    .createTable('push_config_employees')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('org_id', 'integer', (c) => c.notNull())
    .addColumn('config_id', 'integer', (c) => c.notNull())
    .addColumn('employee_id', 'integer', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('last_pushed_at', 'bigint')
    .addColumn('push_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addUniqueConstraint('push_config_employees_config_employee', ['config_id', 'employee_id'])
    .execute()
  await db.schema.createIndex('push_config_employees_employee').on('push_config_employees').columns(['org_id', 'employee_id']).execute()

  await db.schema
    .createTable('intent_leads')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('org_id', 'integer', (c) => c.notNull())
    .addColumn('employee_id', 'integer')
    .addColumn('call_id', 'varchar(64)', exact)
    .addColumn('phone', 'varchar(32)', (c) => c.notNull())
    .addColumn('customer_name', 'varchar(100)', (c) => c.notNull())
    .addColumn('intention_level', 'varchar(2)')
    .addColumn('detail_url', 'varchar(1000)')
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('intent_leads_org_call', ['org_id', 'call_id'])
    .execute()
  await db.schema.createIndex('intent_leads_org_created').on('intent_leads').columns(['org_id', 'created_at']).execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('intent_leads').execute()
  await db.schema.dropTable('push_config_employees').execute()
  await db.schema.dropTable('push_configs').execute()
  await db.schema.dropTable('ingest_events').execute()
  await db.schema.dropTable('api_keys').execute()
}
