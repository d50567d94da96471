// Official Account (公众号) accounts: one per org at most, plus the platform's own (org_id NULL, managed by the super admin).
import type { Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('oa_accounts')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    // NULL: the platform account, used by every org without its own row.
    .addColumn('org_id', 'integer')
    // org_id, or 0 for the platform account: unique, so there is one account per owner even when two saves race
    // (a unique index on a nullable org_id would let several platform rows in).
    .addColumn('owner_key', 'integer', (c) => c.notNull())
    .addColumn('name', 'varchar(100)', (c) => c.notNull())
    .addColumn('app_id', 'varchar(32)', (c) => c.notNull())
    .addColumn('app_secret_sealed', 'text', (c) => c.notNull())
    .addColumn('token', 'varchar(64)', (c) => c.notNull())
    .addColumn('encoding_aes_key_sealed', 'text')
    .addColumn('message_mode', 'varchar(16)', (c) => c.notNull().defaultTo('safe'))
    .addColumn('original_id', 'varchar(64)')
    .addColumn('oauth_domain', 'varchar(255)')
    .addColumn('verify_file_name', 'varchar(100)')
    .addColumn('verify_file_content', 'varchar(255)')
    .addColumn('callback_key', 'varchar(32)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('oa_accounts_owner', ['owner_key'])
    .addUniqueConstraint('oa_accounts_callback_key', ['callback_key'])
    .execute()
  await db.schema.createIndex('oa_accounts_verify_file').on('oa_accounts').column('verify_file_name').execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('oa_accounts').execute()
}
