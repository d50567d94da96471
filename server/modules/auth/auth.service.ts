// Login with rate limiting, server-side sessions with sliding expiry, logout, password change, org switching.
import { createHash, randomBytes } from 'node:crypto'
import { ForbiddenError, InvalidInputError, NotFoundError, UnauthorizedError } from '../../lib/errors'
import type { Deps } from '../../deps'
import type { Me } from '../../../shared/schemas/auth'
import { writeLoginAudit } from '../audit/audit.service'
import type { SessionUser } from './session-user'
import { findFirstActiveOrgId, findOrgById } from '../orgs/orgs.repository'
import {
  deleteSession,
  deleteSessionsOfUser,
  findCredentialsOrThrow,
  findSessionWithUser,
  findUserByUsername,
  insertSession,
  renewSession,
  setLastLogin,
  setPasswordHash,
  setSessionActingOrg,
} from './auth.repository'
import { attemptFailed, attemptSucceeded, beginAttempt } from './login-limits'
import { DUMMY_HASH, hashPassword, needsRehash, verifyPassword } from './password'
import type { SessionCookieWriter } from './session-cookie'

export { LOGIN_WINDOW_MS, MAX_FAILURES_PER_IP, MAX_FAILURES_PER_USERNAME } from './login-limits'

export type { SessionUser } from './session-user'

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex')

export async function login(
  deps: Deps,
  input: { username: string; password: string; ip: string; userAgent: string },
): Promise<{ token: string; expiresAt: number; user: SessionUser }> {
  const username = input.username.trim().toLowerCase()
  const user = await findUserByUsername(deps.db, username)
  // Counted before the password is looked at, so parallel guesses cannot all slip in under the limit.
  const attempt = await beginAttempt(deps, { username, ip: input.ip, resetAt: user?.last_login_at })
  const ok = await verifyPassword(input.password, user?.password_hash ?? DUMMY_HASH)
  const now = deps.clock.now()
  if (!user || !ok || user.status !== 'active') {
    await attemptFailed(deps, attempt)
    await writeLoginAudit(deps.db, {
      orgId: user?.org_id ?? null,
      userId: user?.id ?? null,
      username,
      ok: false,
      error: '用户名或密码错误',
      ip: input.ip,
      now,
    })
    throw new UnauthorizedError(user && ok ? '账号已停用' : '用户名或密码错误')
  }
  await attemptSucceeded(deps, attempt)
  // Hashes from before Argon2 (or with older parameters) are replaced while the plain password is at hand.
  if (needsRehash(user.password_hash)) await setPasswordHash(deps.db, user.id, await hashPassword(input.password), now)
  if (user.org_id) {
    const org = await findOrgById(deps.db, user.org_id)
    if (org?.status !== 'active') throw new ForbiddenError('所属机构已停用')
  }
  const token = randomBytes(32).toString('base64url')
  const expiresAt = now + deps.config.sessionTtlMs
  // A platform admin starts out acting in the first active org, so the console is usable at once.
  const actingOrgId = user.org_id ?? (await findFirstActiveOrgId(deps.db)) ?? null
  await deps.db.transaction().execute(async (trx) => {
    await insertSession(trx, {
      tokenHash: hashToken(token),
      userId: user.id,
      actingOrgId,
      ip: input.ip,
      userAgent: input.userAgent,
      now,
      expiresAt,
    })
    await setLastLogin(trx, user.id, now)
    // A platform admin's login is filed under the org they start acting in, so it shows in that org's log.
    await writeLoginAudit(trx, { orgId: actingOrgId, userId: user.id, username, ok: true, error: null, ip: input.ip, now })
  })
  const sessionUser = await resolveSession(deps, token)
  if (!sessionUser) throw new Error('session vanished right after login')
  return { token, expiresAt, user: sessionUser }
}

/**
 * Checks the old password under the same limits as login (a wrong one counts as a failed attempt), stores the new
 * hash and ends the user's other sessions; the calling session stays.
 */
export async function changePassword(
  deps: Deps,
  user: SessionUser,
  input: { oldPassword: string; newPassword: string; ip: string },
): Promise<void> {
  const stored = await findCredentialsOrThrow(deps.db, user.id)
  const attempt = await beginAttempt(deps, { username: user.username, ip: input.ip, resetAt: stored.last_login_at })
  if (!(await verifyPassword(input.oldPassword, stored.password_hash))) {
    await attemptFailed(deps, attempt)
    throw new InvalidInputError('原密码不正确')
  }
  await attemptSucceeded(deps, attempt)
  await setPasswordHash(deps.db, user.id, await hashPassword(input.newPassword), deps.clock.now())
  await deleteSessionsOfUser(deps.db, user.id, user.sessionId)
}

/** The user behind a session token, renewing the expiry when more than a tenth of it has been used. */
export async function resolveSession(deps: Deps, token: string, cookies?: SessionCookieWriter): Promise<SessionUser | null> {
  const row = await findSessionWithUser(deps.db, hashToken(token))
  const now = deps.clock.now()
  if (!row || row.expires_at <= now || row.userStatus !== 'active' || (row.org_id && row.orgStatus !== 'active')) {
    if (row && row.expires_at <= now) await deleteSession(deps.db, row.sessionId)
    cookies?.clear()
    return null
  }
  const ttl = deps.config.sessionTtlMs
  if (row.expires_at - now < ttl * 0.9) {
    const expiresAt = now + ttl
    await renewSession(deps.db, row.sessionId, now, expiresAt)
    cookies?.set(token, expiresAt)
  }
  return {
    id: row.userId,
    sessionId: row.sessionId,
    username: row.username,
    displayName: row.display_name,
    role: row.role,
    orgId: row.org_id,
    orgName: row.orgName ?? null,
    actingOrgId: row.role === 'super_admin' ? row.acting_org_id : row.org_id,
    actingOrgName: row.role === 'super_admin' ? (row.actingOrgName ?? null) : (row.orgName ?? null),
  }
}

export async function logout(deps: Deps, sessionId: number): Promise<void> {
  await deleteSession(deps.db, sessionId)
}

/** Points a super admin's session at another org; returns the session user as it now is. */
export async function switchOrg(deps: Deps, user: SessionUser, orgId: number): Promise<SessionUser> {
  const org = await findOrgById(deps.db, orgId)
  if (!org) throw new NotFoundError(`机构 ${orgId} 不存在`)
  await setSessionActingOrg(deps.db, user.sessionId, orgId)
  return { ...user, actingOrgId: orgId, actingOrgName: org.name }
}

export function toMe(user: SessionUser): Me {
  return {
    id: user.id,
    username: user.username,
    displayName: user.displayName,
    role: user.role,
    orgId: user.orgId,
    orgName: user.orgName,
    actingOrgId: user.actingOrgId,
    actingOrgName: user.actingOrgName,
  }
}
