// Queries for admin users' credentials, sessions and login attempts.
import type { Executor } from '../../db/database'
import { insertedId } from '../../db/dialect'
import type { AttemptOutcome } from './auth.table'

export function findUserByUsername(db: Executor, username: string) {
  return db.selectFrom('admin_users').selectAll().where('username', '=', username).executeTakeFirst()
}

export function findCredentialsOrThrow(db: Executor, userId: number) {
  return db.selectFrom('admin_users').select(['password_hash', 'last_login_at']).where('id', '=', userId).executeTakeFirstOrThrow()
}

export async function setPasswordHash(db: Executor, userId: number, passwordHash: string, now: number): Promise<void> {
  await db.updateTable('admin_users').set({ password_hash: passwordHash, updated_at: now }).where('id', '=', userId).execute()
}

export async function setLastLogin(db: Executor, userId: number, now: number): Promise<void> {
  await db.updateTable('admin_users').set({ last_login_at: now }).where('id', '=', userId).execute()
}

export function findSessionWithUser(db: Executor, tokenHash: string) {
  return db
    .selectFrom('sessions as s')
    .innerJoin('admin_users as u', 'u.id', 's.user_id')
    .leftJoin('orgs as o', 'o.id', 'u.org_id')
    .leftJoin('orgs as ao', 'ao.id', 's.acting_org_id')
    .select([
      's.id as sessionId',
      's.expires_at',
      's.last_seen_at',
      's.acting_org_id',
      'u.id as userId',
      'u.username',
      'u.display_name',
      'u.role',
      'u.org_id',
      'u.status as userStatus',
      'o.name as orgName',
      'o.status as orgStatus',
      'ao.name as actingOrgName',
    ])
    .where('s.token_hash', '=', tokenHash)
    .executeTakeFirst()
}

export async function insertSession(
  db: Executor,
  s: { tokenHash: string; userId: number; actingOrgId: number | null; ip: string; userAgent: string; now: number; expiresAt: number },
): Promise<void> {
  await db
    .insertInto('sessions')
    .values({
      token_hash: s.tokenHash,
      user_id: s.userId,
      acting_org_id: s.actingOrgId,
      ip: s.ip,
      user_agent: s.userAgent,
      created_at: s.now,
      last_seen_at: s.now,
      expires_at: s.expiresAt,
    })
    .execute()
}

export async function renewSession(db: Executor, sessionId: number, now: number, expiresAt: number): Promise<void> {
  await db.updateTable('sessions').set({ expires_at: expiresAt, last_seen_at: now }).where('id', '=', sessionId).execute()
}

export async function setSessionActingOrg(db: Executor, sessionId: number, orgId: number): Promise<void> {
  await db.updateTable('sessions').set({ acting_org_id: orgId }).where('id', '=', sessionId).execute()
}

export async function deleteSession(db: Executor, sessionId: number): Promise<void> {
  await db.deleteFrom('sessions').where('id', '=', sessionId).execute()
}

/** Ends every session of a user, except `keepSessionId` when given (the one that changed the password). */
export async function deleteSessionsOfUser(db: Executor, userId: number, keepSessionId?: number): Promise<void> {
  let q = db.deleteFrom('sessions').where('user_id', '=', userId)
  if (keepSessionId !== undefined) q = q.where('id', '!=', keepSessionId)
  await q.execute()
}

// ---- login attempts ----

export async function insertAttempt(db: Executor, a: { username: string; ip: string; now: number }): Promise<number> {
  return insertedId(
    await db
      .insertInto('login_failures')
      .values({ username: a.username, ip: a.ip, outcome: 'pending', created_at: a.now })
      .executeTakeFirstOrThrow(),
  )
}

export async function setAttemptOutcome(db: Executor, id: number, outcome: AttemptOutcome): Promise<void> {
  await db.updateTable('login_failures').set({ outcome }).where('id', '=', id).execute()
}

export async function deleteAttempt(db: Executor, id: number): Promise<void> {
  await db.deleteFrom('login_failures').where('id', '=', id).execute()
}

/** Forgets the attempts of one (username, ip): the owner got in from there. Other IPs' attempts stay counted. */
export async function deleteAttemptsOf(db: Executor, username: string, ip: string): Promise<void> {
  await db.deleteFrom('login_failures').where('username', '=', username).where('ip', '=', ip).execute()
}

export interface AttemptKey {
  username?: string
  ip?: string
}

function attemptsQuery(db: Executor, key: AttemptKey, outcomes: readonly AttemptOutcome[], after: number) {
  let q = db.selectFrom('login_failures').where('outcome', 'in', outcomes).where('created_at', '>', after)
  if (key.username !== undefined) q = q.where('username', '=', key.username)
  if (key.ip !== undefined) q = q.where('ip', '=', key.ip)
  return q
}

export async function countAttempts(
  db: Executor,
  key: AttemptKey,
  outcomes: readonly AttemptOutcome[],
  after: number,
  exceptId?: number,
): Promise<number> {
  let q = attemptsQuery(db, key, outcomes, after)
  if (exceptId !== undefined) q = q.where('id', '!=', exceptId)
  const row = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
  return Number(row.n)
}

/** created_at of the n-th newest matching attempt (1 = newest), or null when there are fewer. */
export async function nthNewestAttemptAt(
  db: Executor,
  key: AttemptKey,
  outcomes: readonly AttemptOutcome[],
  after: number,
  n: number,
  exceptId?: number,
): Promise<number | null> {
  let q = attemptsQuery(db, key, outcomes, after)
  if (exceptId !== undefined) q = q.where('id', '!=', exceptId)
  const row = await q
    .select('created_at')
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .offset(n - 1)
    .executeTakeFirst()
  return row ? Number(row.created_at) : null
}

/** Drops attempts older than `before`; rows past the window no longer count for any limit. Returns how many. */
export async function purgeAttemptsBefore(db: Executor, before: number): Promise<number> {
  const res = await db.deleteFrom('login_failures').where('created_at', '<=', before).executeTakeFirst()
  return Number(res.numDeletedRows)
}
