// The queue's fast lane: its claim reads the pending jobs of a few kinds in run order without walking other kinds' backlog.
import { MysqlAdapter, type Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('queue_jobs_lane').on('queue_jobs').columns(['kind', 'status', 'run_after']).execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  // MySQL names the table in DROP INDEX; SQLite refuses the ON clause.
  const drop = db.schema.dropIndex('queue_jobs_lane')
  await (db.getExecutor().adapter instanceof MysqlAdapter ? drop.on('queue_jobs') : drop).execute()
}
