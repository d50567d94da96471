// Applies migrations up to the latest; used on start, by `npm run migrate` and by tests.
import { Migrator, type Kysely } from 'kysely'
import { migrationProvider } from '../../migrations/index'

export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: migrationProvider })
  const { error, results } = await migrator.migrateToLatest()
  const failed = results?.find((r) => r.status === 'Error')
  if (error || failed) {
    throw new Error(`migration ${failed?.migrationName ?? ''} failed: ${error instanceof Error ? error.message : String(error)}`)
  }
  return (results ?? []).map((r) => r.migrationName)
}

/** True when every known migration has been applied (readiness). */
export async function migrationsPending(db: Kysely<any>): Promise<number> {
  const migrator = new Migrator({ db, provider: migrationProvider })
  const list = await migrator.getMigrations()
  return list.filter((m) => !m.executedAt).length
}
