// Queries for the admin users of one org; every query on an org's users filters by org_id.
import type { Executor } from '../../db/database'
import { contains, insertedId } from '../../db/dialect'
import { fetchPage, type PageRequest } from '../../db/paginate'
import type { Role } from '../../../shared/enums'

export function findUsersPage(db: Executor, orgId: number, input: PageRequest & { q?: string }) {
  let q = db.selectFrom('admin_users').where('org_id', '=', orgId)
  if (input.q) q = q.where((eb) => eb.or([contains('username', input.q!), contains('display_name', input.q!)]))
  return fetchPage(q, input, (p) =>
    p.select(['id', 'username', 'display_name', 'role', 'status', 'last_login_at', 'created_at']).orderBy('id', 'asc'),
  )
}

/** Any user with this username, in any org (usernames are global). */
export function findUserIdByUsername(db: Executor, username: string) {
  return db.selectFrom('admin_users').select('id').where('username', '=', username).executeTakeFirst()
}

/** Throws the driver's duplicate-key error when the username is taken (the unique key decides, not a prior read). */
export async function insertUser(
  db: Executor,
  u: { orgId: number | null; username: string; displayName: string; passwordHash: string; role: Role; now: number },
): Promise<number> {
  return insertedId(
    await db
      .insertInto('admin_users')
      .values({
        org_id: u.orgId,
        username: u.username,
        display_name: u.displayName,
        password_hash: u.passwordHash,
        role: u.role,
        status: 'active',
        last_login_at: null,
        created_at: u.now,
        updated_at: u.now,
      })
      .executeTakeFirstOrThrow(),
  )
}

/** Rows changed (0 when the user is not in this org). */
export async function updateUserInOrg(
  db: Executor,
  orgId: number,
  id: number,
  patch: { display_name?: string; role?: Role; status?: 'active' | 'disabled'; password_hash?: string },
  now: number,
): Promise<number> {
  const res = await db
    .updateTable('admin_users')
    .set({ ...patch, updated_at: now })
    .where('id', '=', id)
    .where('org_id', '=', orgId)
    .executeTakeFirst()
  return Number(res.numUpdatedRows)
}
