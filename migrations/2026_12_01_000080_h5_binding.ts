// H5 phone binding: SMS verification codes (hashed, with attempts) and each org's follow QR under the account it uses.
import type { Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('sms_codes')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('org_id', 'integer', (c) => c.notNull())
    .addColumn('mobile', 'varchar(20)', (c) => c.notNull())
    .addColumn('openid', 'varchar(64)', (c) => c.notNull())
    .addColumn('ip', 'varchar(64)', (c) => c.notNull())
    // pending (being sent) → sent → used; refused (over a limit) and failed (the SMS platform said no) never verify.
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('code_hash', 'varchar(64)')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('error', 'varchar(255)')
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('sms_codes_mobile').on('sms_codes').columns(['org_id', 'mobile', 'created_at']).execute()
  await db.schema.createIndex('sms_codes_openid').on('sms_codes').columns(['openid', 'created_at']).execute()
  await db.schema.createIndex('sms_codes_ip').on('sms_codes').columns(['ip', 'created_at']).execute()

  await db.schema
    .createTable('oa_follow_qrcodes')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('org_id', 'integer', (c) => c.notNull())
    .addColumn('account_id', 'integer', (c) => c.notNull())
    .addColumn('scene', 'varchar(64)', (c) => c.notNull())
    // What the QR encodes (qrcode/create's url): drawn by us, so no image host has to be reachable.
    .addColumn('url', 'varchar(255)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('oa_follow_qrcodes_org_account', ['org_id', 'account_id'])
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('oa_follow_qrcodes').execute()
  await db.schema.dropTable('sms_codes').execute()
}
