// Password-guess limits over HTTP and under concurrency: batches, parallel guesses, per-(username, IP) locks, username delay.
import request from 'supertest'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createApp } from '../../app'
import type { DbHandle } from '../../db/connect'
import { createTestDb } from '../../testing/test-db'
import { createOrgWithUser, createTestDeps, testConfig } from '../../testing/deps'
import { createContextInner } from '../../trpc/context'
import { createCaller } from '../../trpc/router'
import { MAX_BATCH_CALLS } from '../../trpc/batch-limit'
import { login } from './auth.service'
import { LOGIN_WINDOW_MS, MAX_DELAY_SEC, purgeExpiredLoginAttempts, usernameDelaySec } from './login-limits'

let handle: DbHandle
let deps: ReturnType<typeof createTestDeps>
let app: ReturnType<typeof createApp>

beforeAll(async () => {
  handle = await createTestDb()
  // Behind a proxy, so each test can speak from the IPs it needs through X-Forwarded-For.
  deps = createTestDeps(handle, { config: testConfig({ trustProxy: 1 }) })
  app = createApp({ deps })
})
afterAll(async () => handle.close())
// Every test starts with the previous tests' attempts outside the window.
beforeEach(() => deps.clock.advance(LOGIN_WINDOW_MS + 1000))

const GOOD = 'password-123'

function loginFrom(ip: string, username: string, password: string) {
  return request(app).post('/trpc/auth.login').set('X-Forwarded-For', ip).send({ username, password })
}

async function sessionsOf(userId: number) {
  return (await deps.db.selectFrom('sessions').select('id').where('user_id', '=', userId).execute()).length
}

async function attemptsOf(username: string) {
  return deps.db.selectFrom('login_failures').select(['ip', 'outcome']).where('username', '=', username).execute()
}

describe('batch requests', () => {
  it('a batch of 30 guesses whose last is right is refused whole: 400, no session, nothing checked', async () => {
    const { user } = await createOrgWithUser(deps, 'org_member')
    const guesses = Array.from({ length: 30 }, (_, i) => ({ username: user.username, password: i === 29 ? GOOD : `wrong-${i}` }))
    const path = guesses.map(() => 'auth.login').join(',')
    const body = Object.fromEntries(guesses.map((g, i) => [String(i), g]))
    const res = await request(app).post(`/trpc/${path}?batch=1`).send(body)
    expect(res.status).toBe(413)
    expect(res.body[0].error.message).toMatch(/批量请求/)
    expect(res.headers['set-cookie']).toBeUndefined()
    expect(await sessionsOf(user.id)).toBe(0)
    expect(await attemptsOf(user.username)).toHaveLength(0)
  })

  it('auth.login with any other call in one batch is 400, GET or POST, even percent-encoded', async () => {
    const { user } = await createOrgWithUser(deps, 'org_member')
    const body = { 0: { username: user.username, password: GOOD }, 1: { username: user.username, password: GOOD } }
    const post = await request(app).post('/trpc/auth.login,auth.login?batch=1').send(body)
    expect(post.status).toBe(400)
    expect(post.body).toHaveLength(2)
    expect(post.body[1].error.message).toBe('auth.login 不能放在批量请求中，请单独发送')
    const encoded = await request(app)
      .post('/trpc/auth.me%2Cauth.login?batch=1')
      .send({ 1: { username: user.username, password: GOOD } })
    expect(encoded.status).toBe(400)
    const get = await request(app).get(`/trpc/auth.me,auth.login?batch=1&input=${encodeURIComponent(JSON.stringify(body))}`)
    expect(get.status).toBe(400)
    expect(await sessionsOf(user.id)).toBe(0)
    expect(await attemptsOf(user.username)).toHaveLength(0)
  })

  it('caps every batch at 10 calls: 10 are served, 11 are 413', async () => {
    const ten = Array.from({ length: MAX_BATCH_CALLS }, () => 'auth.me').join(',')
    const ok = await request(app).get(`/trpc/${ten}?batch=1`)
    expect(ok.status).toBe(200)
    expect(ok.body).toHaveLength(10)
    const over = await request(app).get(`/trpc/${ten},auth.me?batch=1`)
    expect(over.status).toBe(413)
    expect(over.body[0].error.message).toBe('一次批量请求最多 10 个调用，本次有 11 个')
  })

  it('refuses even a one-call batch of auth.login or auth.changePassword; the plain request logs in', async () => {
    const { user } = await createOrgWithUser(deps, 'org_member')
    const batched = await request(app)
      .post('/trpc/auth.login?batch=1')
      .send({ 0: { username: user.username, password: GOOD } })
    expect(batched.status).toBe(400)
    expect(batched.headers['set-cookie']).toBeUndefined()
    expect((await request(app).post('/trpc/auth.changePassword?batch=1').send({ 0: {} })).status).toBe(400)
    const plain = await request(app).post('/trpc/auth.login').send({ username: user.username, password: GOOD })
    expect(plain.status).toBe(200)
    expect(plain.body.result.data.user.username).toBe(user.username)
  })
})

describe('concurrent guesses', () => {
  it('16 parallel wrong logins from one IP let at most 5 be checked; the right password after them is 429 with Retry-After', async () => {
    const { user } = await createOrgWithUser(deps, 'org_member')
    const res = await Promise.all(Array.from({ length: 16 }, (_, i) => loginFrom('10.1.0.1', user.username, `wrong-${i}`)))
    const statuses = res.map((r) => r.status)
    const checked = statuses.filter((s) => s === 401).length
    expect(checked).toBeLessThanOrEqual(5)
    expect(statuses.filter((s) => s === 429)).toHaveLength(16 - checked)
    const right = await loginFrom('10.1.0.1', user.username, GOOD)
    expect(right.status).toBe(429)
    expect(Number(right.headers['retry-after'])).toBe(LOGIN_WINDOW_MS / 1000)
    expect(right.body.error.message).toMatch(/登录失败次数过多/)
    expect(await sessionsOf(user.id)).toBe(0)
  })

  it('16 parallel wrong logins for one username from 16 IPs: at most 5 are checked, the rest wait', async () => {
    const { user } = await createOrgWithUser(deps, 'org_member')
    const outcomes = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        login(deps, { username: user.username, password: `wrong-${i}`, ip: `10.2.0.${i + 1}`, userAgent: 't' }).then(
          () => 'ok',
          (e) => e.kind as string,
        ),
      ),
    )
    expect(outcomes).not.toContain('ok')
    expect(outcomes.filter((o) => o === 'unauthorized').length).toBeLessThanOrEqual(5)
    expect(outcomes.filter((o) => o === 'unauthorized' || o === 'rate_limited')).toHaveLength(16)
    const failed = (await attemptsOf(user.username)).filter((a) => a.outcome === 'failed')
    expect(failed.length).toBeLessThanOrEqual(5)
  })
})

describe('locks that cannot be turned against the owner', () => {
  it("an attacker's (username, IP) stays locked 15 minutes while the owner gets in from elsewhere after a short delay", async () => {
    const { user } = await createOrgWithUser(deps, 'org_admin')
    const attacker = '203.0.113.9'
    const owner = '198.51.100.20'
    for (let i = 0; i < 5; i++) expect((await loginFrom(attacker, user.username, `guess-${i}`)).status).toBe(401)
    // The attacker's pair is locked for the whole window, even with the right password.
    const locked = await loginFrom(attacker, user.username, GOOD)
    expect(locked.status).toBe(429)
    expect(locked.headers['retry-after']).toBe('900')

    // The username has 5 failures: the next attempt from anywhere waits 2^0 = 1 s.
    const early = await loginFrom(owner, user.username, GOOD)
    expect(early.status).toBe(429)
    expect(early.headers['retry-after']).toBe('1')
    expect(early.body.error.message).toBe('该账号近期密码错误次数较多，请 1 秒后再试')
    // Knocking from other IPs during the delay does not lengthen it.
    for (let i = 0; i < 10; i++) expect((await loginFrom(`192.0.2.${i + 1}`, user.username, 'knock')).status).toBe(429)

    deps.clock.advance(1000)
    const owned = await loginFrom(owner, user.username, GOOD)
    expect(owned.status).toBe(200)
    expect(owned.headers['set-cookie']?.[0]).toMatch(/crm_sid=/)

    deps.clock.advance(14 * 60_000)
    const still = await loginFrom(attacker, user.username, GOOD)
    expect(still.status).toBe(429)
    expect(Number(still.headers['retry-after'])).toBeGreaterThan(0)
  })

  it('the username delay doubles with each further failure: 1 s, 2 s, 4 s … capped at 15 minutes', async () => {
    const { user } = await createOrgWithUser(deps, 'org_member')
    let ip = 0
    const attempt = () => loginFrom(`10.3.0.${++ip}`, user.username, 'wrong-pass')
    for (let i = 0; i < 5; i++) expect((await attempt()).status).toBe(401)
    for (const wait of [1, 2, 4, 8]) {
      const refused = await attempt()
      expect(refused.status).toBe(429)
      expect(refused.headers['retry-after']).toBe(String(wait))
      deps.clock.advance(wait * 1000 - 1)
      expect((await attempt()).status).toBe(429)
      deps.clock.advance(1)
      expect((await attempt()).status).toBe(401)
    }
    expect([5, 6, 10, 14, 15, 100].map(usernameDelaySec)).toEqual([1, 2, 32, 512, MAX_DELAY_SEC, MAX_DELAY_SEC])
  })

  it('the per-IP limit still stops one IP spraying many usernames', async () => {
    for (let i = 0; i < 20; i++) expect((await loginFrom('10.4.0.1', `nobody-${i}`, 'x')).status).toBe(401)
    const { user } = await createOrgWithUser(deps, 'org_member')
    expect((await loginFrom('10.4.0.1', user.username, GOOD)).status).toBe(429)
    expect((await loginFrom('10.4.0.2', user.username, GOOD)).status).toBe(200)
  })
})

describe('auth.changePassword', () => {
  it('counts wrong old passwords like failed logins: 5 wrong, then 429 even with the right one', async () => {
    const { user } = await createOrgWithUser(deps, 'org_admin')
    const caller = createCaller(createContextInner({ deps, user, ip: '10.5.0.1' }))
    for (let i = 0; i < 5; i++) {
      await expect(caller.auth.changePassword({ oldPassword: `wrong-${i}`, newPassword: 'new-password-1' })).rejects.toMatchObject({
        code: 'BAD_REQUEST',
        message: '原密码不正确',
      })
    }
    await expect(caller.auth.changePassword({ oldPassword: GOOD, newPassword: 'new-password-1' })).rejects.toMatchObject({
      code: 'TOO_MANY_REQUESTS',
    })
    deps.clock.advance(LOGIN_WINDOW_MS + 1000)
    await expect(caller.auth.changePassword({ oldPassword: GOOD, newPassword: 'new-password-1' })).resolves.toEqual({ ok: true })
    await expect(login(deps, { username: user.username, password: 'new-password-1', ip: '10.5.0.1', userAgent: 't' })).resolves.toBeTruthy()
  })
})

describe('housekeeping', () => {
  it('drops attempts once they are past the window and keeps those still counting', async () => {
    await loginFrom('10.6.0.1', 'purge-old', 'x')
    deps.clock.advance(LOGIN_WINDOW_MS + 1)
    await loginFrom('10.6.0.1', 'purge-new', 'x')
    await purgeExpiredLoginAttempts(deps)
    expect(await attemptsOf('purge-old')).toHaveLength(0)
    expect(await attemptsOf('purge-new')).toEqual([{ ip: '10.6.0.1', outcome: 'failed' }])
  })
})
