// Login limits: every attempt is written before the password is checked, with its outcome, and found by (username, ip).
import { MysqlAdapter, type Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  // Rows that existed before were failed logins.
  await db.schema
    .alterTable('login_failures')
    .addColumn('outcome', 'varchar(16)', (c) => c.notNull().defaultTo('failed'))
    .execute()
  await db.schema.createIndex('login_failures_user_ip').on('login_failures').columns(['username', 'ip', 'created_at']).execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  // MySQL names the table in DROP INDEX; SQLite refuses the ON clause.
  const drop = db.schema.dropIndex('login_failures_user_ip')
  await (db.getExecutor().adapter instanceof MysqlAdapter ? drop.on('login_failures') : drop).execute()
  await db.schema.alterTable('login_failures').dropColumn('outcome').execute()
}
