// Transaction helpers with a dialect split: short write transactions that survive MySQL lock races, and locking reads.
import type { SelectQueryBuilder, Transaction } from 'kysely'
import type { Database, DB, Executor } from './database'
import { dialectOf } from './dialect'

const MYSQL_LOCK_ERRNO = new Set([1205 /* lock wait timeout */, 1213 /* deadlock */])

/**
 * A short write transaction. On MySQL it runs at READ COMMITTED, so a row another worker committed meanwhile is
 * visible to the next statement (two staff adding the same customer at once) and gap locks do not pile up; a
 * deadlock victim is run again at once instead of waiting for the queue's backoff.
 */
export async function writeTransaction<T>(db: DB, fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  const mysql = dialectOf(db) === 'mysql'
  for (let attempt = 1; ; attempt++) {
    try {
      const tx = mysql ? db.transaction().setIsolationLevel('read committed') : db.transaction()
      return await tx.execute(fn)
    } catch (err) {
      const errno = (err as { errno?: number }).errno ?? 0
      if (!mysql || !MYSQL_LOCK_ERRNO.has(errno) || attempt >= 4) throw err
    }
  }
}

/**
 * SELECT … FOR UPDATE on MySQL: the rows as last committed, locked until the transaction ends, waiting for writers
 * still holding them. SQLite has one writer at a time, so a plain read inside its transaction is already that.
 */
export function forUpdate<QB extends SelectQueryBuilder<Database, any, any>>(db: Executor, q: QB): QB {
  return dialectOf(db) === 'mysql' ? (q.forUpdate() as QB) : q
}
