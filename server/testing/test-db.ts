// Fresh, migrated databases for tests: SQLite in memory, or a throwaway MariaDB database when TEST_DB=mysql.
import { randomBytes } from 'node:crypto'
import { connectDb, type DbHandle, type DialectKind } from '../db/connect'
import type { Database, Executor } from '../db/database'
import { migrateToLatest } from '../db/migrate'

export const TEST_DIALECT: DialectKind = process.env.TEST_DB === 'mysql' ? 'mysql' : 'sqlite'
export const TEST_MYSQL_URL = (process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306').replace(/\/$/, '')

/** Opens a new empty database with every migration applied. `close()` drops it (MySQL) or frees it (SQLite). */
export async function createTestDb(opts: { poolSize?: number } = {}): Promise<DbHandle> {
  if (TEST_DIALECT === 'sqlite') {
    const handle = await connectDb('sqlite::memory:')
    await migrateToLatest(handle.db)
    return handle
  }
  const name = `crm_test_${process.pid}_${randomBytes(4).toString('hex')}`
  await adminQuery(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`)
  const handle = await connectDb(`${TEST_MYSQL_URL}/${name}`, { poolSize: opts.poolSize ?? 10 })
  await migrateToLatest(handle.db)
  return {
    ...handle,
    close: async () => {
      await handle.close()
      await adminQuery(`DROP DATABASE IF EXISTS \`${name}\``)
    },
  }
}

/** A second connection pool to the same database, as a second app instance would have. */
export async function openSecondHandle(first: DbHandle): Promise<DbHandle> {
  if (first.kind === 'sqlite') return { ...first, close: async () => {} }
  const [row] = (await first.db.selectNoFrom((eb) => eb.fn<string>('database', []).as('name')).execute()) as { name: string }[]
  return connectDb(`${TEST_MYSQL_URL}/${row.name}`)
}

async function adminQuery(statement: string): Promise<void> {
  const mysql = await import('mysql2/promise')
  const conn = await mysql.createConnection({ uri: TEST_MYSQL_URL })
  try {
    await conn.query(statement)
  } finally {
    await conn.end()
  }
}

/** How many rows a table holds: what tests assert after a write that must (or must not) have happened. */
export async function countRows(db: Executor, table: keyof Database): Promise<number> {
  const row = await db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow()
  return Number(row.n)
}
