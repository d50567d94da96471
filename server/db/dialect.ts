// Dialect helpers, so services never branch on SQLite vs MySQL themselves.
import { MysqlAdapter, sql, type Expression, type Insertable, type Kysely, type SqlBool, type Transaction } from 'kysely'
import type { Database } from './database'
import type { DialectKind } from './connect'

type Exec = Kysely<Database> | Transaction<Database>

export function dialectOf(db: Exec): DialectKind {
  return db.getExecutor().adapter instanceof MysqlAdapter ? 'mysql' : 'sqlite'
}

/**
 * INSERT … ON CONFLICT DO UPDATE (SQLite) / ON DUPLICATE KEY UPDATE (MySQL).
 * `conflict` names the unique key's columns (SQLite needs them); `update` the columns to overwrite; `add` the counters
 * that grow by the new row's value.
 */
export async function upsert<T extends keyof Database & string>(
  db: Exec,
  table: T,
  values: Insertable<Database[T]> | Insertable<Database[T]>[],
  conflict: readonly string[],
  update: readonly string[],
  add: readonly string[] = [],
): Promise<void> {
  const rows = Array.isArray(values) ? values : [values]
  if (rows.length === 0) return
  const q = (db as Kysely<any>).insertInto(table).values(rows as any)
  if (update.length === 0 && add.length === 0) {
    await q.ignore().execute()
    return
  }
  if (dialectOf(db) === 'mysql') {
    const set = Object.fromEntries([
      ...update.map((c) => [c, sql`values(${sql.ref(c)})`]),
      ...add.map((c) => [c, sql`${sql.ref(c)} + values(${sql.ref(c)})`]),
    ])
    await q.onDuplicateKeyUpdate(set as any).execute()
  } else {
    await q
      .onConflict((oc) =>
        oc
          .columns(conflict as any)
          .doUpdateSet(
            Object.fromEntries([
              ...update.map((c) => [c, sql.ref(`excluded.${c}`)]),
              ...add.map((c) => [c, sql`${sql.ref(`${table}.${c}`)} + ${sql.ref(`excluded.${c}`)}`]),
            ]) as any,
          ),
      )
      .execute()
  }
}

/** Kysely's insertId as a number (both drivers give a bigint). */
export function insertedId(result: { insertId?: bigint | number }): number {
  if (result.insertId === undefined) throw new Error('insert returned no id')
  return Number(result.insertId)
}

/** Rows affected by an update/delete, as a number. */
export function affected(result: { numUpdatedRows?: bigint; numDeletedRows?: bigint } | { numUpdatedRows: bigint }[]): number {
  const r = Array.isArray(result) ? result[0] : result
  return Number((r as any).numUpdatedRows ?? (r as any).numDeletedRows ?? 0n)
}

export function toJson(value: unknown): string {
  return JSON.stringify(value ?? null)
}

export function fromJson<T>(text: string | null | undefined, fallback: T): T {
  if (text == null || text === '') return fallback
  try {
    return JSON.parse(text) as T
  } catch {
    return fallback
  }
}

/** COUNT/SUM results: MySQL returns DECIMAL sums as strings. */
export const num = (v: unknown): number => (v == null ? 0 : Number(v))

/**
 * `column LIKE '%text%'` with the text's own % and _ taken literally. ESCAPE '!' rather than '\\': SQLite has no
 * default escape character and MySQL reads a backslash in a literal as an escape itself; '!' means the same to both.
 */
export function contains(column: string, text: string): Expression<SqlBool> {
  const pattern = `%${text.replace(/[!%_]/g, (m) => `!${m}`)}%`
  return sql<SqlBool>`${sql.ref(column)} like ${pattern} escape '!'`
}

/** The error of an INSERT/UPDATE that hit a unique key (MySQL ER_DUP_ENTRY, SQLite UNIQUE/PRIMARY KEY constraint). */
export function isDuplicateKey(err: unknown): boolean {
  const e = err as { code?: string; errno?: number; message?: string } | null
  return (
    e?.code === 'ER_DUP_ENTRY' ||
    e?.errno === 1062 ||
    e?.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    /UNIQUE constraint failed/.test(e?.message ?? '')
  )
}
