// Opens Kysely on SQLite (file or :memory:) or on a MySQL/MariaDB pool, chosen by the URL.
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { Kysely, MysqlDialect, SqliteDialect } from 'kysely'
import type { Pool } from 'mysql2'
import type { Database } from './database'
import { withStatementCache } from './sqlite-statements'

export type DialectKind = 'sqlite' | 'mysql'

export interface DbHandle {
  db: Kysely<Database>
  kind: DialectKind
  /** MySQL only: the pool under `db` and its database name, for stores that speak mysql2 themselves (the shared call budget). */
  mysql?: { pool: Pool; database: string }
  close(): Promise<void>
}

export async function connectDb(url: string, opts: { poolSize?: number } = {}): Promise<DbHandle> {
  if (url.startsWith('mysql://')) {
    const mysql = await import('mysql2')
    const pool = mysql.createPool({
      uri: url,
      connectionLimit: opts.poolSize ?? 10,
      timezone: 'Z',
      charset: 'utf8mb4_unicode_ci',
      // BIGINT epoch-ms values fit in a double; keep them numbers.
      supportBigNumbers: true,
      bigNumberStrings: false,
    })
    const db = new Kysely<Database>({ dialect: new MysqlDialect({ pool }) })
    return { db, kind: 'mysql', mysql: { pool, database: decodeURIComponent(new URL(url).pathname.slice(1)) }, close: () => db.destroy() }
  }
  if (!url.startsWith('sqlite:')) throw new Error(`unsupported DATABASE_URL: ${url.split(':')[0]}`)
  const file = url.slice('sqlite:'.length)
  const { default: BetterSqlite3 } = await import('better-sqlite3')
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true })
  const sqlite = new BetterSqlite3(file)
  sqlite.pragma('journal_mode = WAL')
  sqlite.pragma('busy_timeout = 5000')
  sqlite.pragma('foreign_keys = ON')
  sqlite.pragma('synchronous = NORMAL')
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) })
  return { db, kind: 'sqlite', close: () => db.destroy() }
}
