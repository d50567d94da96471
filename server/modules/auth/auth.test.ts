// Login, rate limiting, session expiry and renewal, logout invalidation and role checks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TRPCError } from '@trpc/server'
import type { DbHandle } from '../../db/connect'
import { createTestDb } from '../../testing/test-db'
import { createOrgWithUser, createTestDeps } from '../../testing/deps'
import { callerFor } from '../../testing/tenant'
import { createContextInner } from '../../trpc/context'
import { createCaller } from '../../trpc/router'
import { randomBytes, scrypt } from 'node:crypto'
import { login, resolveSession, LOGIN_WINDOW_MS, MAX_FAILURES_PER_USERNAME } from './auth.service'
import { DUMMY_HASH, hashPassword, verifyPassword } from './password'

let handle: DbHandle
let deps: ReturnType<typeof createTestDeps>

beforeAll(async () => {
  handle = await createTestDb()
  deps = createTestDeps(handle)
})
afterAll(async () => handle.close())

function cookieJar() {
  const jar = { token: null as string | null, expiresAt: 0, cleared: 0 }
  return {
    jar,
    writer: {
      get token() {
        return jar.token
      },
      set: (t: string, e: number) => {
        jar.token = t
        jar.expiresAt = e
      },
      clear: () => {
        jar.token = null
        jar.cleared++
      },
    },
  }
}

describe('auth', () => {
  it('logs in, sets the cookie and returns me; wrong password is refused', async () => {
    const { user } = await createOrgWithUser(deps, 'org_admin')
    const { jar, writer } = cookieJar()
    const caller = createCaller(createContextInner({ deps, cookies: writer }))
    const res = await caller.auth.login({ username: user.username, password: 'password-123' })
    expect(res.user.username).toBe(user.username)
    expect(jar.token).toMatch(/^[A-Za-z0-9_-]{40,}$/)
    await expect(caller.auth.login({ username: user.username, password: 'wrong-password' })).rejects.toMatchObject({ code: 'UNAUTHORIZED' })
    // The session token is stored hashed, never in the clear.
    const stored = await deps.db.selectFrom('sessions').select('token_hash').execute()
    expect(stored.map((s) => s.token_hash)).not.toContain(jar.token)
  })

  it('rate-limits failures per username: the 6th attempt in 15 minutes is 429 even with the right password', async () => {
    const { user } = await createOrgWithUser(deps, 'org_member')
    const caller = createCaller(createContextInner({ deps, ip: '10.0.0.7' }))
    for (let i = 0; i < MAX_FAILURES_PER_USERNAME; i++) {
      await expect(caller.auth.login({ username: user.username, password: `bad-${i}` })).rejects.toMatchObject({ code: 'UNAUTHORIZED' })
    }
    const err = await caller.auth.login({ username: user.username, password: 'password-123' }).catch((e) => e)
    expect(err).toBeInstanceOf(TRPCError)
    expect(err.code).toBe('TOO_MANY_REQUESTS')
    expect(err.message).toMatch(/\d+ 秒/)
    deps.clock.advance(LOGIN_WINDOW_MS + 1000)
    await expect(caller.auth.login({ username: user.username, password: 'password-123' })).resolves.toBeTruthy()
  })

  it('rate-limits failures per IP across usernames', async () => {
    const caller = createCaller(createContextInner({ deps, ip: '10.9.9.9' }))
    for (let i = 0; i < 20; i++) {
      await caller.auth.login({ username: `nobody${i}`, password: 'x' }).catch(() => {})
    }
    const { user } = await createOrgWithUser(deps, 'org_member')
    await expect(caller.auth.login({ username: user.username, password: 'password-123' })).rejects.toMatchObject({
      code: 'TOO_MANY_REQUESTS',
    })
  })

  it('sessions expire, slide on use, and die on logout', async () => {
    const { user } = await createOrgWithUser(deps, 'org_admin')
    const { token, expiresAt } = await login(deps, { username: user.username, password: 'password-123', ip: '1.1.1.1', userAgent: 't' })
    const ttl = deps.config.sessionTtlMs
    expect(expiresAt).toBe(deps.clock.now() + ttl)
    // Used after half the TTL: renewed.
    deps.clock.advance(ttl / 2)
    const { jar, writer } = cookieJar()
    expect(await resolveSession(deps, token, writer)).toMatchObject({ id: user.id })
    expect(jar.expiresAt).toBe(deps.clock.now() + ttl)
    // Left alone past the TTL: gone.
    deps.clock.advance(ttl + 1)
    expect(await resolveSession(deps, token, writer)).toBeNull()
    expect(jar.cleared).toBe(1)

    const second = await login(deps, { username: user.username, password: 'password-123', ip: '1.1.1.1', userAgent: 't' })
    const me = await resolveSession(deps, second.token)
    await createCaller(createContextInner({ deps, user: me })).auth.logout()
    expect(await resolveSession(deps, second.token)).toBeNull()
  })

  it('enforces roles: members cannot manage users, org admins cannot manage orgs, anonymous is 401', async () => {
    const member = await createOrgWithUser(deps, 'org_member')
    const admin = await createOrgWithUser(deps, 'org_admin')
    await expect(callerFor(deps, member.user).users.list({ page: 1, pageSize: 10 })).rejects.toMatchObject({ code: 'FORBIDDEN' })
    await expect(callerFor(deps, admin.user).orgs.list({ page: 1, pageSize: 10 })).rejects.toMatchObject({ code: 'FORBIDDEN' })
    await expect(callerFor(deps, null).users.list({ page: 1, pageSize: 10 })).rejects.toMatchObject({ code: 'UNAUTHORIZED' })
    expect((await callerFor(deps, admin.user).users.list({ page: 1, pageSize: 10 })).total).toBe(1)
  })

  it('a disabled user cannot log in and loses open sessions', async () => {
    const admin = await createOrgWithUser(deps, 'org_admin')
    const caller = callerFor(deps, admin.user)
    const { id } = await caller.users.create({
      username: `nurse${Date.now()}`,
      displayName: '护士小王',
      password: 'password-456',
      role: 'org_member',
    })
    const row = await deps.db.selectFrom('admin_users').select('username').where('id', '=', id).executeTakeFirstOrThrow()
    const s = await login(deps, { username: row.username, password: 'password-456', ip: '2.2.2.2', userAgent: 't' })
    await caller.users.update({ id, status: 'disabled' })
    expect(await resolveSession(deps, s.token)).toBeNull()
    await expect(login(deps, { username: row.username, password: 'password-456', ip: '2.2.2.3', userAgent: 't' })).rejects.toMatchObject({
      kind: 'unauthorized',
      message: '账号已停用',
    })
  })

  it('a super admin acts in the org they switched to, and org data follows the switch', async () => {
    const sa = await createOrgWithUser(deps, 'super_admin')
    const other = await createOrgWithUser(deps, 'org_admin')
    const { token } = await login(deps, { username: sa.user.username, password: 'password-123', ip: '3.3.3.3', userAgent: 't' })
    const me = (await resolveSession(deps, token))!
    const caller = callerFor(deps, me)
    await caller.auth.switchOrg({ orgId: other.orgId })
    const after = (await resolveSession(deps, token))!
    expect(after.actingOrgId).toBe(other.orgId)
    const users = await callerFor(deps, after).users.list({ page: 1, pageSize: 10 })
    expect(users.items.map((u) => u.username)).toEqual([other.user.username])
  })

  it('hashes with Argon2id (19 MiB, t=2, p=1); unknown usernames are checked against an Argon2id dummy', async () => {
    const stored = await hashPassword('some-password-1')
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/)
    expect(await verifyPassword('some-password-1', stored)).toBe(true)
    expect(await verifyPassword('some-password-2', stored)).toBe(false)
    expect(DUMMY_HASH).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/)
    expect(await verifyPassword('', DUMMY_HASH)).toBe(false)
  })

  it('an account with an old scrypt hash still logs in, and its hash is then rewritten as Argon2id', async () => {
    const { user } = await createOrgWithUser(deps, 'org_member')
    await deps.db
      .updateTable('admin_users')
      .set({ password_hash: await legacyScryptHash('old-scrypt-pass') })
      .where('id', '=', user.id)
      .execute()
    await expect(login(deps, { username: user.username, password: 'wrong-pass', ip: '4.4.4.4', userAgent: 't' })).rejects.toMatchObject({
      kind: 'unauthorized',
    })
    const before = await deps.db.selectFrom('admin_users').select('password_hash').where('id', '=', user.id).executeTakeFirstOrThrow()
    expect(before.password_hash).toMatch(/^scrypt\$/)
    await login(deps, { username: user.username, password: 'old-scrypt-pass', ip: '4.4.4.4', userAgent: 't' })
    const after = await deps.db.selectFrom('admin_users').select('password_hash').where('id', '=', user.id).executeTakeFirstOrThrow()
    expect(after.password_hash).toMatch(/^\$argon2id\$/)
    await expect(login(deps, { username: user.username, password: 'old-scrypt-pass', ip: '4.4.4.4', userAgent: 't' })).resolves.toBeTruthy()
  })
})

/** The format accounts created before Argon2 carry: scrypt$N$r$p$salt$key. */
function legacyScryptHash(password: string): Promise<string> {
  const salt = randomBytes(16)
  return new Promise((resolve, reject) =>
    scrypt(password, salt, 32, { N: 16384, r: 8, p: 1 }, (err, key) =>
      err ? reject(err) : resolve(`scrypt$16384$8$1$${salt.toString('base64')}$${key.toString('base64')}`),
    ),
  )
}
