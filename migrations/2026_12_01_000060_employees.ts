// employees: people alerted on their personal WeChat through the Official Account (员工), one per mobile per org.
import type { Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('employees')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('org_id', 'integer', (c) => c.notNull())
    .addColumn('name', 'varchar(50)', (c) => c.notNull())
    .addColumn('mobile', 'varchar(20)', (c) => c.notNull())
    .addColumn('seat', 'varchar(50)')
    .addColumn('receives_system_notices', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('wecom_userid', 'varchar(64)')
    .addColumn('admin_user_id', 'integer')
    .addColumn('openid', 'varchar(64)')
    .addColumn('bound_at', 'bigint')
    .addColumn('follows_oa', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('employees_org_mobile', ['org_id', 'mobile'])
    // NULL openids (not bound yet) do not collide on either dialect.
    .addUniqueConstraint('employees_org_openid', ['org_id', 'openid'])
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('employees').execute()
}
