// Login with rate limiting, server-side sessions with sliding expiry, logout, org switching.
import { createHash, randomBytes } from 'node:crypto'
import { ForbiddenError, NotFoundError, RateLimitedError, UnauthorizedError } from '../../lib/errors'
import type { Deps } from '../../deps'
import type { Role } from '../../../shared/enums'
import type { Me } from '../../../shared/schemas/auth'
import { countRecentFailures, findSessionWithUser, findUserByUsername } from './auth.repository'
import { DUMMY_HASH, verifyPassword } from './password'
import type { SessionCookieWriter } from './session-cookie'

export interface SessionUser {
  id: number
  sessionId: number
  username: string
  displayName: string
  role: Role
  orgId: number | null
  orgName: string | null
  actingOrgId: number | null
  actingOrgName: string | null
}

export const LOGIN_WINDOW_MS = 15 * 60_000
export const MAX_FAILURES_PER_USERNAME = 5
export const MAX_FAILURES_PER_IP = 20

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex')

async function assertNotRateLimited(deps: Deps, username: string, ip: string) {
  const now = deps.clock.now()
  const since = now - LOGIN_WINDOW_MS
  for (const [column, value, max] of [
    ['username', username, MAX_FAILURES_PER_USERNAME],
    ['ip', ip, MAX_FAILURES_PER_IP],
  ] as const) {
    const { count, oldest } = await countRecentFailures(deps.db, column, value, since)
    if (count >= max) {
      const retryInSec = Math.max(1, Math.ceil(((oldest ?? now) + LOGIN_WINDOW_MS - now) / 1000))
      throw new RateLimitedError(`登录失败次数过多，请 ${Math.ceil(retryInSec / 60)} 分钟后再试（${retryInSec} 秒）`, retryInSec)
    }
  }
}

export async function login(
  deps: Deps,
  input: { username: string; password: string; ip: string; userAgent: string },
): Promise<{ token: string; expiresAt: number; user: SessionUser }> {
  const username = input.username.trim().toLowerCase()
  await assertNotRateLimited(deps, username, input.ip)
  const user = await findUserByUsername(deps.db, username)
  const ok = await verifyPassword(input.password, user?.password_hash ?? DUMMY_HASH)
  const now = deps.clock.now()
  if (!user || !ok || user.status !== 'active') {
    await deps.db.insertInto('login_failures').values({ username, ip: input.ip, created_at: now }).execute()
    await deps.db
      .insertInto('audit_log')
      .values({ org_id: user?.org_id ?? null, user_id: user?.id ?? null, username, action: 'auth.login', input_summary: null, result: 'error', error: '用户名或密码错误', ip: input.ip, created_at: now })
      .execute()
    throw new UnauthorizedError(user && ok ? '账号已停用' : '用户名或密码错误')
  }
  if (user.org_id) {
    const org = await deps.db.selectFrom('orgs').select('status').where('id', '=', user.org_id).executeTakeFirst()
    if (org?.status !== 'active') throw new ForbiddenError('所属机构已停用')
  }
  const token = randomBytes(32).toString('base64url')
  const expiresAt = now + deps.config.sessionTtlMs
  // A platform admin starts out acting in the first active org, so the console is usable at once.
  const actingOrgId =
    user.org_id ??
    (await deps.db.selectFrom('orgs').select('id').where('status', '=', 'active').orderBy('id').limit(1).executeTakeFirst())?.id ??
    null
  await deps.db.transaction().execute(async (trx) => {
    await trx
      .insertInto('sessions')
      .values({ token_hash: hashToken(token), user_id: user.id, acting_org_id: actingOrgId, ip: input.ip, user_agent: input.userAgent, created_at: now, last_seen_at: now, expires_at: expiresAt })
      .execute()
    await trx.updateTable('admin_users').set({ last_login_at: now }).where('id', '=', user.id).execute()
    await trx.deleteFrom('login_failures').where('username', '=', username).execute()
    // A platform admin's login is filed under the org they start acting in, so it shows in that org's log.
    await trx
      .insertInto('audit_log')
      .values({ org_id: actingOrgId, user_id: user.id, username, action: 'auth.login', input_summary: null, result: 'ok', error: null, ip: input.ip, created_at: now })
      .execute()
  })
  const sessionUser = await resolveSession(deps, token)
  if (!sessionUser) throw new Error('session vanished right after login')
  return { token, expiresAt, user: sessionUser }
}

/** The user behind a session token, renewing the expiry when more than a tenth of it has been used. */
export async function resolveSession(deps: Deps, token: string, cookies?: SessionCookieWriter): Promise<SessionUser | null> {
  const row = await findSessionWithUser(deps.db, hashToken(token))
  const now = deps.clock.now()
  if (!row || row.expires_at <= now || row.userStatus !== 'active' || (row.org_id && row.orgStatus !== 'active')) {
    if (row && row.expires_at <= now) await deps.db.deleteFrom('sessions').where('id', '=', row.sessionId).execute()
    cookies?.clear()
    return null
  }
  const ttl = deps.config.sessionTtlMs
  if (row.expires_at - now < ttl * 0.9) {
    const expiresAt = now + ttl
    await deps.db.updateTable('sessions').set({ expires_at: expiresAt, last_seen_at: now }).where('id', '=', row.sessionId).execute()
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
  await deps.db.deleteFrom('sessions').where('id', '=', sessionId).execute()
}

export async function switchOrg(deps: Deps, user: SessionUser, orgId: number): Promise<void> {
  const org = await deps.db.selectFrom('orgs').select(['id', 'status']).where('id', '=', orgId).executeTakeFirst()
  if (!org) throw new NotFoundError(`机构 ${orgId} 不存在`)
  await deps.db.updateTable('sessions').set({ acting_org_id: orgId }).where('id', '=', user.sessionId).execute()
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
