// job_runs.org_id: the org a run worked for (null for platform-wide runs), so org admins see only their own org's runs.
import { MysqlAdapter, type Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('job_runs').addColumn('org_id', 'integer').execute()
  await db.schema.createIndex('job_runs_org').on('job_runs').columns(['org_id', 'id']).execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  // MySQL names the table in DROP INDEX; SQLite refuses the ON clause.
  const drop = db.schema.dropIndex('job_runs_org')
  await (db.getExecutor().adapter instanceof MysqlAdapter ? drop.on('job_runs') : drop).execute()
  await db.schema.alterTable('job_runs').dropColumn('org_id').execute()
}
