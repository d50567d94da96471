// Queries for admin users, sessions and login failures.
import type { Executor } from '../../db/database'

export function findUserByUsername(db: Executor, username: string) {
  return db.selectFrom('admin_users').selectAll().where('username', '=', username).executeTakeFirst()
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

export async function countRecentFailures(db: Executor, column: 'username' | 'ip', value: string, since: number) {
  const row = await db
    .selectFrom('login_failures')
    .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.min('created_at').as('oldest')])
    .where(column, '=', value)
    .where('created_at', '>=', since)
    .executeTakeFirstOrThrow()
  return { count: Number(row.n), oldest: row.oldest == null ? null : Number(row.oldest) }
}
