// Static migration list: works the same under tsx, vitest and a bundled server.
import type { Migration, MigrationProvider } from 'kysely'
import * as m0001 from './2026_11_21_000001_foundation'
import * as m0002 from './2026_11_21_000002_wecom_crm'
import * as m0030 from './2026_12_01_000030_platform'

const migrations: Record<string, Migration> = {
  '2026_11_21_000001_foundation': m0001,
  '2026_11_21_000002_wecom_crm': m0002,
  '2026_12_01_000030_platform': m0030,
}

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
}
