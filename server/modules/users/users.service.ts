// Users of one org, managed by that org's admin; every query is filtered by the org.
import { ConflictError, InvalidInputError, NotFoundError } from '../../lib/errors'
import type { z } from 'zod'
import type { Deps } from '../../deps'
import { contains, insertedId } from '../../db/dialect'
import { fetchPage } from '../../db/paginate'
import type { userCreateInput, userUpdateInput } from '../../../shared/schemas/auth'
import type { Role } from '../../../shared/enums'
import { hashPassword } from '../auth/password'

export async function listUsers(deps: Deps, orgId: number, input: { page: number; pageSize: number; q?: string }) {
  let q = deps.db.selectFrom('admin_users').where('org_id', '=', orgId)
  if (input.q) q = q.where((eb) => eb.or([contains('username', input.q!), contains('display_name', input.q!)]))
  const { rows, total } = await fetchPage(q, input, (p) =>
    p.select(['id', 'username', 'display_name', 'role', 'status', 'last_login_at', 'created_at']).orderBy('id', 'asc'),
  )
  return {
    total,
    items: rows.map((r) => ({ id: r.id, username: r.username, displayName: r.display_name, role: r.role, status: r.status, lastLoginAt: r.last_login_at, createdAt: r.created_at })),
  }
}

export async function createUser(deps: Pick<Deps, 'db' | 'clock'>, orgId: number | null, input: z.infer<typeof userCreateInput> | { username: string; displayName: string; password: string; role: Role }) {
  const username = input.username.trim().toLowerCase()
  const taken = await deps.db.selectFrom('admin_users').select('id').where('username', '=', username).executeTakeFirst()
  if (taken) throw new ConflictError(`用户名 ${username} 已被使用`)
  const now = deps.clock.now()
  const id = insertedId(
    await deps.db
      .insertInto('admin_users')
      .values({ org_id: orgId, username, display_name: input.displayName, password_hash: await hashPassword(input.password), role: input.role, status: 'active', last_login_at: null, created_at: now, updated_at: now })
      .executeTakeFirstOrThrow(),
  )
  return { id }
}

export async function updateUser(deps: Deps, orgId: number, actorId: number, input: z.infer<typeof userUpdateInput>) {
  const { id, displayName, role, status } = input
  if (id === actorId && (status === 'disabled' || role === 'org_member')) {
    throw new InvalidInputError('不能停用自己或降低自己的权限')
  }
  const res = await deps.db
    .updateTable('admin_users')
    .set({ ...(displayName ? { display_name: displayName } : {}), ...(role ? { role } : {}), ...(status ? { status } : {}), updated_at: deps.clock.now() })
    .where('id', '=', id)
    .where('org_id', '=', orgId)
    .executeTakeFirst()
  if (Number(res.numUpdatedRows) === 0) throw new NotFoundError(`用户 ${id} 不存在`)
  if (status === 'disabled') await deps.db.deleteFrom('sessions').where('user_id', '=', id).execute()
  return { ok: true as const }
}

export async function resetPassword(deps: Deps, orgId: number, input: { id: number; password: string }) {
  const res = await deps.db
    .updateTable('admin_users')
    .set({ password_hash: await hashPassword(input.password), updated_at: deps.clock.now() })
    .where('id', '=', input.id)
    .where('org_id', '=', orgId)
    .executeTakeFirst()
  if (Number(res.numUpdatedRows) === 0) throw new NotFoundError(`用户 ${input.id} 不存在`)
  await deps.db.deleteFrom('sessions').where('user_id', '=', input.id).execute()
  return { ok: true as const }
}
