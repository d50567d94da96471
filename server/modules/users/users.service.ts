// Users of one org, managed by that org's admin; every query is filtered by the org.
import { ConflictError, InvalidInputError, NotFoundError } from '../../lib/errors'
import type { z } from 'zod'
import type { Deps } from '../../deps'
import { isDuplicateKey } from '../../db/dialect'
import type { userCreateInput, userUpdateInput } from '../../../shared/schemas/auth'
import type { Role } from '../../../shared/enums'
import { hashPassword } from '../auth/password'
import { deleteSessionsOfUser } from '../auth/auth.repository'
import { findUserIdByUsername, findUsersPage, insertUser, updateUserInOrg } from './users.repository'

export async function listUsers(deps: Deps, orgId: number, input: { page: number; pageSize: number; q?: string }) {
  const { rows, total } = await findUsersPage(deps.db, orgId, input)
  return {
    total,
    items: rows.map((r) => ({
      id: r.id,
      username: r.username,
      displayName: r.display_name,
      role: r.role,
      status: r.status,
      lastLoginAt: r.last_login_at,
      createdAt: r.created_at,
    })),
  }
}

export async function createUser(
  deps: Pick<Deps, 'db' | 'clock'>,
  orgId: number | null,
  input: z.infer<typeof userCreateInput> | { username: string; displayName: string; password: string; role: Role },
) {
  const username = input.username.trim().toLowerCase()
  const taken = `用户名 ${username} 已被使用`
  // The read gives the usual answer cheaply; the unique key settles two creates racing past it.
  if (await findUserIdByUsername(deps.db, username)) throw new ConflictError(taken)
  const passwordHash = await hashPassword(input.password)
  try {
    const id = await insertUser(deps.db, {
      orgId,
      username,
      displayName: input.displayName,
      passwordHash,
      role: input.role,
      now: deps.clock.now(),
    })
    return { id }
  } catch (err) {
    if (isDuplicateKey(err)) throw new ConflictError(taken, { cause: err })
    throw err
  }
}

export async function updateUser(deps: Deps, orgId: number, actorId: number, input: z.infer<typeof userUpdateInput>) {
  const { id, displayName, role, status } = input
  if (id === actorId && (status === 'disabled' || role === 'org_member')) {
    throw new InvalidInputError('不能停用自己或降低自己的权限')
  }
  const patch = { ...(displayName ? { display_name: displayName } : {}), ...(role ? { role } : {}), ...(status ? { status } : {}) }
  if ((await updateUserInOrg(deps.db, orgId, id, patch, deps.clock.now())) === 0) throw new NotFoundError(`用户 ${id} 不存在`)
  if (status === 'disabled') await deleteSessionsOfUser(deps.db, id)
  return { ok: true as const }
}

export async function resetPassword(deps: Deps, orgId: number, input: { id: number; password: string }) {
  const changed = await updateUserInOrg(deps.db, orgId, input.id, { password_hash: await hashPassword(input.password) }, deps.clock.now())
  if (changed === 0) throw new NotFoundError(`用户 ${input.id} 不存在`)
  await deleteSessionsOfUser(deps.db, input.id)
  return { ok: true as const }
}
