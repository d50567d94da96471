// Tencent Cloud SMS configurations: one per org (API key with the secret sealed, SMS app, signature, verification-code template).
import type { Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('sms_configs')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('org_id', 'integer', (c) => c.notNull())
    .addColumn('secret_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('secret_key_sealed', 'text', (c) => c.notNull())
    .addColumn('sms_sdk_app_id', 'varchar(32)', (c) => c.notNull())
    .addColumn('sign_name', 'varchar(64)', (c) => c.notNull())
    .addColumn('region', 'varchar(32)', (c) => c.notNull().defaultTo('ap-guangzhou'))
    .addColumn('code_template_id', 'varchar(32)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('sms_configs_org', ['org_id'])
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('sms_configs').execute()
}
