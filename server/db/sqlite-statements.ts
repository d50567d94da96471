// better-sqlite3 with its prepared statements kept: Kysely prepares every query anew, which costs about as much as running it.
import type BetterSqlite3 from 'better-sqlite3'
import type { SqliteDatabase } from 'kysely'

/**
 * Kysely's SQLite database, reusing one prepared statement per SQL text (least recently used dropped beyond `max`).
 * A statement still being iterated (a streamed query) is busy: a second user of the same SQL meanwhile gets a fresh one.
 */
export function withStatementCache(db: BetterSqlite3.Database, max = 500): SqliteDatabase {
  const cache = new Map<string, BetterSqlite3.Statement>()
  return {
    close: () => db.close(),
    prepare(sql: string) {
      const hit = cache.get(sql)
      if (hit && !hit.busy) {
        // Re-inserting moves it to the young end of the Map's order.
        cache.delete(sql)
        cache.set(sql, hit)
        return hit
      }
      const stmt = db.prepare(sql)
      if (!hit) {
        cache.set(sql, stmt)
        if (cache.size > max) cache.delete(cache.keys().next().value!)
      }
      return stmt
    },
  }
}
