// Write transactions and row locks that behave alike on both engines, so callers never branch on the dialect.
import type { SelectQueryBuilder, Transaction } from 'kysely'
import type { Database, DB, Executor } from './database'
import { dialectOf } from './dialect'

/** MySQL errors after which the same transaction, run again at once, usually succeeds. */
export const MYSQL_RETRYABLE_ERRNO: ReadonlySet<number> = new Set([1205 /* lock wait timeout */, 1213 /* deadlock */])

/** A lock race MySQL resolved by rolling this transaction (or statement) back: worth repeating. */
export function isRetryableLockError(err: unknown): boolean {
  return MYSQL_RETRYABLE_ERRNO.has((err as { errno?: number } | null)?.errno ?? 0)
}

export interface WriteTransactionOptions {
  /** Runs in all, the first included (default 4). */
  attempts?: number
  /** Told about each lock race that is retried. */
  onRetry?: (err: unknown, attempt: number) => void
}

/**
 * A short write transaction. On MySQL it runs at READ COMMITTED, so a row another worker committed meanwhile is
 * visible to the next statement (two staff adding the same customer at once) and gap locks do not pile up; a
 * deadlock victim is run again at once instead of waiting for the queue's backoff. SQLite has one writer anyway.
 */
export async function writeTransaction<T>(
  db: DB,
  fn: (trx: Transaction<Database>) => Promise<T>,
  opts: WriteTransactionOptions = {},
): Promise<T> {
  const mysql = dialectOf(db) === 'mysql'
  const attempts = opts.attempts ?? 4
  for (let attempt = 1; ; attempt++) {
    try {
      const tx = mysql ? db.transaction().setIsolationLevel('read committed') : db.transaction()
      return await tx.execute(fn)
    } catch (err) {
      if (!mysql || !isRetryableLockError(err) || attempt >= attempts) throw err
      opts.onRetry?.(err, attempt)
    }
  }
}

/**
 * Holds the org's row lock until the transaction ends (MySQL), serialising one org's writers of a kind across
 * instances. SQLite runs one write transaction at a time, so there is nothing to lock.
 */
export async function lockOrgRow(trx: Executor, orgId: number): Promise<void> {
  if (dialectOf(trx) === 'mysql') await trx.selectFrom('orgs').select('id').where('id', '=', orgId).forUpdate().execute()
}

/**
 * The rows `q` selects, locked for this transaction with the ones other transactions hold skipped (MySQL), so
 * several instances claim disjoint rows. On SQLite the transaction is the only writer and the query is unchanged.
 */
export function forUpdateSkipLocked<DB, TB extends keyof DB, O>(
  trx: Executor,
  q: SelectQueryBuilder<DB, TB, O>,
): SelectQueryBuilder<DB, TB, O> {
  return dialectOf(trx) === 'mysql' ? q.forUpdate().skipLocked() : q
}

/**
 * SELECT … FOR UPDATE on MySQL: the rows as last committed, locked until the transaction ends, waiting for writers
 * still holding them. SQLite has one writer at a time, so a plain read inside its transaction is already that.
 */
export function forUpdate<DB, TB extends keyof DB, O>(trx: Executor, q: SelectQueryBuilder<DB, TB, O>): SelectQueryBuilder<DB, TB, O> {
  return dialectOf(trx) === 'mysql' ? q.forUpdate() : q
}
