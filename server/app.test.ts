// HTTP behaviour of createApp: tRPC over HTTP with cookies, 400 naming the field, health, readiness, metrics.
import express from 'express'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from './app'
import type { DbHandle } from './db/connect'
import { createTestDb } from './testing/test-db'
import { createOrgWithUser, createTestDeps, testConfig } from './testing/deps'

let handle: DbHandle
let deps: ReturnType<typeof createTestDeps>
let app: ReturnType<typeof createApp>

beforeAll(async () => {
  handle = await createTestDb()
  deps = createTestDeps(handle)
  app = createApp({ deps })
})
afterAll(async () => handle.close())

async function loginAgent(username: string) {
  const agent = request.agent(app)
  const res = await agent.post('/trpc/auth.login').send({ username, password: 'password-123' })
  expect(res.status).toBe(200)
  const cookie = res.headers['set-cookie']?.[0] ?? ''
  expect(cookie).toMatch(/crm_sid=/)
  expect(cookie).toMatch(/HttpOnly/)
  expect(cookie).toMatch(/SameSite=Lax/)
  return agent
}

describe('http', () => {
  it('healthz, readyz and metrics answer', async () => {
    expect((await request(app).get('/healthz')).body).toEqual({ ok: true })
    expect((await request(app).get('/readyz')).body).toEqual({ ok: true })
    const m = await request(app).get('/metrics')
    expect(m.status).toBe(200)
    expect(m.text).toContain('queue_jobs')
    expect(m.text).toContain('http_request_duration_seconds')
  })

  it('logs in over HTTP, me returns the user, logout ends the session', async () => {
    const { user } = await createOrgWithUser(deps, 'org_admin')
    const agent = await loginAgent(user.username)
    const me = await agent.get('/trpc/auth.me')
    expect(me.body.result.data.username).toBe(user.username)
    await agent.post('/trpc/auth.logout').send({})
    const after = await agent.get('/trpc/auth.me')
    expect(after.body.result.data).toBeNull()
  })

  it('invalid input is a 400 that names the field, and writes nothing', async () => {
    const { user } = await createOrgWithUser(deps, 'org_admin')
    const agent = await loginAgent(user.username)
    const before = await deps.db
      .selectFrom('admin_users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
    const res = await agent.post('/trpc/users.create').send({ username: 'ab', displayName: '张三', password: 'short', role: 'org_member' })
    expect(res.status).toBe(400)
    expect(res.body.error.message).toContain('username')
    expect(res.body.error.message).toContain('password')
    expect(res.body.error.data.fieldErrors.username).toBeTruthy()
    const after = await deps.db
      .selectFrom('admin_users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
    expect(Number(after.n)).toBe(Number(before.n))
    const audit = await deps.db.selectFrom('audit_log').select('action').where('action', '=', 'users.create').execute()
    expect(audit).toHaveLength(0)
  })

  it('unauthenticated procedures are 401 and unknown paths 404', async () => {
    expect((await request(app).get('/trpc/users.list?input=%7B%7D')).status).toBe(401)
    expect((await request(app).get('/nope')).status).toBe(404)
  })

  it('rejects bodies over 1 MB', async () => {
    const res = await request(app)
      .post('/trpc/auth.login')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ username: 'x'.repeat(1_100_000), password: 'y' }))
    expect(res.status).toBe(413)
  })

  it('in production an internal failure tells the client only the request id, over tRPC and plain Express', async () => {
    // A database that has gone away makes every query throw the driver's own Error.
    const gone = await createTestDb()
    await gone.close()
    const failing = express.Router()
    failing.get('/boom', (_req, _res, next) => next(new Error('secret internal detail at /srv/app')))
    const prod = createApp({ deps: createTestDeps(gone, { config: testConfig({ production: true }) }), rawRoutes: [failing] })

    const res = await request(prod).post('/trpc/auth.login').set('X-Request-Id', 'req-prod-1').send({ username: 'someone', password: 'x' })
    expect(res.status).toBe(500)
    expect(res.body.error.message).toBe('服务器内部错误（请求编号 req-prod-1）')
    expect(JSON.stringify(res.body)).not.toMatch(/closed|database|pool|sqlite|mysql|stack/i)

    const plain = await request(prod).get('/boom').set('X-Request-Id', 'req-prod-2')
    expect(plain.status).toBe(500)
    expect(plain.body).toEqual({ error: '服务器内部错误（请求编号 req-prod-2）' })

    // Outside production the tRPC message keeps the detail, which is what makes the masking above meaningful.
    const dev = createApp({ deps: createTestDeps(gone) })
    const devRes = await request(dev).post('/trpc/auth.login').send({ username: 'someone', password: 'x' })
    expect(devRes.status).toBe(500)
    expect(devRes.body.error.message).not.toMatch(/服务器内部错误/)
  })
})
