// Named leases in job_locks: one holder at a time across every instance sharing the database.
import type { Executor } from './database'

export async function tryAcquireLease(db: Executor, name: string, owner: string, ttlMs: number, now: number): Promise<boolean> {
  // Make sure the row exists; a concurrent insert of the same name is ignored.
  await db.insertInto('job_locks').values({ name, locked_by: null, locked_until: 0, updated_at: now }).ignore().execute()
  const res = await db
    .updateTable('job_locks')
    .set({ locked_by: owner, locked_until: now + ttlMs, updated_at: now })
    .where('name', '=', name)
    .where((eb) => eb.or([eb('locked_until', '<', now), eb('locked_by', '=', owner)]))
    .executeTakeFirst()
  return Number(res.numUpdatedRows) === 1
}

export async function releaseLease(db: Executor, name: string, owner: string, now: number): Promise<void> {
  await db
    .updateTable('job_locks')
    .set({ locked_by: null, locked_until: 0, updated_at: now })
    .where('name', '=', name)
    .where('locked_by', '=', owner)
    .execute()
}

/** Extends a lease the caller holds; false if it was lost meanwhile. */
export async function renewLease(db: Executor, name: string, owner: string, ttlMs: number, now: number): Promise<boolean> {
  const res = await db
    .updateTable('job_locks')
    .set({ locked_until: now + ttlMs, updated_at: now })
    .where('name', '=', name)
    .where('locked_by', '=', owner)
    .executeTakeFirst()
  return Number(res.numUpdatedRows) === 1
}

/** Whether someone holds the lease now (a run is in progress on some instance). */
export async function isLeaseHeld(db: Executor, name: string, now: number): Promise<boolean> {
  const row = await db
    .selectFrom('job_locks')
    .select('name')
    .where('name', '=', name)
    .where('locked_by', 'is not', null)
    .where('locked_until', '>', now)
    .executeTakeFirst()
  return row !== undefined
}
