// HTTP hardening through createApp: security headers and CSPs, trusted proxy hops, /metrics and sandbox-control guards.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, statSync, readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { networkInterfaces, tmpdir } from 'node:os'
import { join } from 'node:path'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../app'
import { ConfigError, loadConfig, securityWarnings, type Config } from '../config'
import type { DbHandle } from '../db/connect'
import { createSandbox, type Sandbox } from '../sandbox/index'
import { createOrgWithUser, createTestDeps, TEST_SECRET_KEY } from '../testing/deps'
import { createTestDb } from '../testing/test-db'
import { createContactWayQrRouter } from '../modules/contact-ways/contact-ways.qr.route'
import { createWecomCallbackRouter } from '../modules/callbacks/callback.route'
import { isLoopbackAddress, tokenEquals } from './access-guard'

const SANDBOX_TOKEN = 'sandbox-token-for-tests-0123'
const METRICS_TOKEN = 'metrics-token-for-tests-0123'
const scratch = mkdtempSync(join(tmpdir(), 'crm-security-'))

function configFor(env: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    APP_SECRET_KEY: TEST_SECRET_KEY,
    DATA_DIR: join(scratch, 'data'),
    LOG_LEVEL: 'silent',
    SANDBOX: '1',
    SANDBOX_TOKEN,
    ...env,
  })
}

let handle: DbHandle
let sandbox: Sandbox
let distDir: string

beforeAll(async () => {
  handle = await createTestDb()
  sandbox = createSandbox({ publicBaseUrl: 'http://127.0.0.1:1', seed: 'demo' })
  // Stand-in build output: the headers depend on the path served, not on the bundle.
  distDir = join(scratch, 'dist')
  for (const page of ['web', 'h5']) {
    mkdirSync(join(distDir, page), { recursive: true })
    writeFileSync(join(distDir, page, 'index.html'), `<!doctype html><title>${page}</title>`)
  }
  mkdirSync(join(distDir, 'assets'), { recursive: true })
})
afterAll(async () => {
  await sandbox.close()
  await handle.close()
  rmSync(scratch, { recursive: true, force: true })
})

function appWith(env: Record<string, string> = {}) {
  const deps = createTestDeps(handle, { config: configFor(env) })
  const app = createApp({
    deps,
    distDir,
    sandboxRouter: sandbox.router,
    rawRoutes: [createWecomCallbackRouter(deps), createContactWayQrRouter(deps)],
  })
  return { deps, app }
}

const ADMIN_CSP =
  "default-src 'self';base-uri 'self';connect-src 'self';font-src 'self' data:;form-action 'self';frame-ancestors 'none';img-src 'self' data: blob: https:;object-src 'none';script-src 'self';script-src-attr 'none';style-src 'self';style-src-attr 'unsafe-inline'"

describe('security headers', () => {
  it('the admin page gets nosniff, DENY framing, the strict CSP and the referrer policy; no HSTS on http', async () => {
    const { app } = appWith()
    const res = await request(app).get('/web/login')
    expect(res.status).toBe(200)
    expect(res.headers['x-content-type-options']).toBe('nosniff')
    expect(res.headers['x-frame-options']).toBe('DENY')
    expect(res.headers['content-security-policy']).toBe(ADMIN_CSP)
    expect(res.headers['referrer-policy']).toBe('strict-origin-when-cross-origin')
    expect(res.headers['strict-transport-security']).toBeUndefined()
    expect(res.headers['x-powered-by']).toBeUndefined()
  })

  it("the H5 page may load WeChat's JS-SDK and nothing else from outside", async () => {
    const { app } = appWith()
    const res = await request(app).get('/h5/')
    expect(res.status).toBe(200)
    const csp = res.headers['content-security-policy'] as string
    expect(csp).toContain("script-src 'self' https://res.wx.qq.com;")
    expect(csp).toContain("frame-ancestors 'none'")
    expect(csp.replace("script-src 'self' https://res.wx.qq.com;", "script-src 'self';")).toBe(ADMIN_CSP)
  })

  it('API, health, QR download, callback and sandbox routes carry the headers too', async () => {
    const { app } = appWith()
    const responses = await Promise.all([
      request(app).get('/trpc/auth.me'),
      request(app).get('/healthz'),
      request(app).get('/api/contact-ways/1/qr.png'),
      request(app).get('/api/wework/callback/no-such-key?msg_signature=x&timestamp=1&nonce=1&echostr=x'),
      request(app).get('/sandbox/wecom/scan/no-such-way'),
      request(app).get('/nope'),
    ])
    expect(responses.map((r) => r.status)).toEqual([200, 200, 401, expect.any(Number), 404, 404])
    for (const res of responses) {
      expect(res.headers['x-content-type-options']).toBe('nosniff')
      expect(res.headers['x-frame-options']).toBe('DENY')
      expect(res.headers['referrer-policy']).toBe('strict-origin-when-cross-origin')
      expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'")
    }
    // The emulator's scan page runs an inline script; only /sandbox gets that allowance.
    expect(responses[4]!.headers['content-security-policy']).toContain("script-src 'self' 'unsafe-inline'")
    expect(responses[4]!.headers['content-security-policy']).toContain("style-src 'self' 'unsafe-inline'")
    expect(responses[0]!.headers['content-security-policy']).toContain("script-src 'self';")
    // Sandbox images play Tencent's CDN, embedded cross-origin; our own responses stay same-origin.
    expect(responses.map((r) => r.headers['cross-origin-resource-policy'])).toEqual([
      'same-origin',
      'same-origin',
      'same-origin',
      'same-origin',
      'cross-origin',
      'same-origin',
    ])
  })

  it('HSTS and upgrade-insecure-requests only when PUBLIC_BASE_URL is https', async () => {
    const { app } = appWith({ PUBLIC_BASE_URL: 'https://crm.example.com' })
    const res = await request(app).get('/web/')
    expect(res.headers['strict-transport-security']).toBe('max-age=31536000')
    expect(res.headers['content-security-policy']).toBe(`${ADMIN_CSP};upgrade-insecure-requests`)
  })
})

describe('TRUST_PROXY', () => {
  it('parses a hop count; 1/true mean one hop, default none, anything else stops start-up', () => {
    expect(configFor().trustProxy).toBe(0)
    expect(configFor({ TRUST_PROXY: '1' }).trustProxy).toBe(1)
    expect(configFor({ TRUST_PROXY: 'true' }).trustProxy).toBe(1)
    expect(configFor({ TRUST_PROXY: '2' }).trustProxy).toBe(2)
    expect(configFor({ TRUST_PROXY: 'false' }).trustProxy).toBe(0)
    expect(() => configFor({ TRUST_PROXY: 'everything' })).toThrow(ConfigError)
  })

  async function failedLoginIp(env: Record<string, string>, xff?: string): Promise<string> {
    const { deps, app } = appWith(env)
    const { user } = await createOrgWithUser(deps, 'org_admin')
    const req = request(app).post('/trpc/auth.login')
    if (xff) req.set('X-Forwarded-For', xff)
    expect((await req.send({ username: user.username, password: 'wrong-password' })).status).toBe(401)
    const row = await deps.db.selectFrom('login_failures').select('ip').where('username', '=', user.username).executeTakeFirstOrThrow()
    return row.ip
  }

  it("with one hop the login limiter sees the proxy's entry, not the client-written left-most one", async () => {
    expect(await failedLoginIp({ TRUST_PROXY: '1' }, '6.6.6.6, 7.7.7.7')).toBe('7.7.7.7')
    expect(await failedLoginIp({ TRUST_PROXY: 'true' }, '6.6.6.6, 7.7.7.7')).toBe('7.7.7.7')
    expect(await failedLoginIp({ TRUST_PROXY: '2' }, '6.6.6.6, 7.7.7.7')).toBe('6.6.6.6')
    // Off: X-Forwarded-For is ignored, the socket address counts.
    expect(await failedLoginIp({}, '6.6.6.6, 7.7.7.7')).toMatch(/127\.0\.0\.1$/)
  })

  it('the session cookie is Secure behind a TLS-terminating proxy, and whenever the public URL is https', async () => {
    const cookieFor = async (env: Record<string, string>) => {
      const { deps, app } = appWith(env)
      const { user } = await createOrgWithUser(deps, 'org_admin')
      const res = await request(app)
        .post('/trpc/auth.login')
        .set('X-Forwarded-Proto', 'https')
        .set('X-Forwarded-For', '7.7.7.7')
        .send({ username: user.username, password: 'password-123' })
      expect(res.status).toBe(200)
      return String(res.headers['set-cookie']?.[0] ?? '')
    }
    expect(await cookieFor({ TRUST_PROXY: '1' })).toMatch(/; Secure/)
    // An https public URL: Secure even if TRUST_PROXY was forgotten (the browser only ever reaches us over https).
    expect(await cookieFor({ PUBLIC_BASE_URL: 'https://crm.example.com' })).toMatch(/; Secure/)
    expect(await cookieFor({})).not.toMatch(/; Secure/)
  })

  it('warns when the public URL is https but cookies could not be Secure', () => {
    const https = securityWarnings(configFor({ PUBLIC_BASE_URL: 'https://crm.example.com' }))
    expect(https.some((w) => w.includes('TRUST_PROXY'))).toBe(true)
    expect(
      securityWarnings(configFor({ PUBLIC_BASE_URL: 'https://crm.example.com', TRUST_PROXY: '1' })).some((w) => w.includes('TRUST_PROXY')),
    ).toBe(false)
    expect(securityWarnings(configFor()).some((w) => w.includes('TRUST_PROXY'))).toBe(false)
  })
})

describe('listen address and sandbox token defaults', () => {
  it('the demo listens on loopback by default, production on every interface, HOST overrides both', () => {
    expect(loadConfig({ APP_SECRET_KEY: TEST_SECRET_KEY, DATA_DIR: join(scratch, 'd1') }).host).toBe('127.0.0.1')
    expect(loadConfig({ NODE_ENV: 'production', APP_SECRET_KEY: TEST_SECRET_KEY, DATA_DIR: join(scratch, 'd1') }).host).toBe('0.0.0.0')
    expect(loadConfig({ APP_SECRET_KEY: TEST_SECRET_KEY, DATA_DIR: join(scratch, 'd1'), HOST: '0.0.0.0' }).host).toBe('0.0.0.0')
  })

  it('without SANDBOX_TOKEN the demo generates one, keeps it in DATA_DIR (0600) and reuses it; production without sandbox has none', () => {
    const dataDir = join(scratch, 'd2')
    const first = loadConfig({ APP_SECRET_KEY: TEST_SECRET_KEY, DATA_DIR: dataDir }).sandboxToken
    expect(first).toMatch(/^[A-Za-z0-9_-]{32}$/)
    expect(loadConfig({ APP_SECRET_KEY: TEST_SECRET_KEY, DATA_DIR: dataDir }).sandboxToken).toBe(first)
    expect(readFileSync(join(dataDir, 'sandbox-token.txt'), 'utf8')).toBe(first)
    expect(statSync(join(dataDir, 'sandbox-token.txt')).mode & 0o777).toBe(0o600)
    expect(loadConfig({ APP_SECRET_KEY: TEST_SECRET_KEY, DATA_DIR: dataDir, SANDBOX_TOKEN }).sandboxToken).toBe(SANDBOX_TOKEN)
    expect(loadConfig({ NODE_ENV: 'production', APP_SECRET_KEY: TEST_SECRET_KEY, DATA_DIR: dataDir }).sandboxToken).toBeNull()
  })
})

describe('loopback check', () => {
  it('accepts only loopback socket addresses', () => {
    for (const a of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1', '0:0:0:0:0:0:0:1']) expect(isLoopbackAddress(a), a).toBe(true)
    for (const a of [
      '192.0.2.2',
      '10.0.0.1',
      '::ffff:10.0.0.1',
      'fd00::2',
      '0.0.0.0',
      '::',
      '',
      undefined,
      '127.0.0.1.example',
      '1127.0.0.1',
    ]) {
      expect(isLoopbackAddress(a), String(a)).toBe(false)
    }
  })

  it('compares tokens exactly', () => {
    expect(tokenEquals(SANDBOX_TOKEN, SANDBOX_TOKEN)).toBe(true)
    expect(tokenEquals(`${SANDBOX_TOKEN}x`, SANDBOX_TOKEN)).toBe(false)
    expect(tokenEquals('', SANDBOX_TOKEN)).toBe(false)
  })
})

describe('/metrics', () => {
  it('without METRICS_TOKEN answers direct loopback clients only; a forwarded request is refused even from loopback', async () => {
    const { app } = appWith()
    expect((await request(app).get('/metrics')).status).toBe(200)
    const forwarded = await request(app).get('/metrics').set('X-Forwarded-For', '127.0.0.1')
    expect(forwarded.status).toBe(403)
    expect(forwarded.text).not.toContain('queue_jobs')
  })

  it('with METRICS_TOKEN requires the bearer token, from loopback too', async () => {
    const { app } = appWith({ METRICS_TOKEN })
    const none = await request(app).get('/metrics')
    expect(none.status).toBe(401)
    expect(none.headers['www-authenticate']).toBe('Bearer realm="metrics"')
    expect(none.text).not.toContain('queue_jobs')
    expect((await request(app).get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}x`)).status).toBe(401)
    const ok = await request(app).get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`)
    expect(ok.status).toBe(200)
    expect(ok.text).toContain('queue_jobs')
  })
})

describe('sandbox control API', () => {
  it('loopback clients pass without a token; a wrong token or a forwarded request needs the right one', async () => {
    const { app } = appWith()
    expect((await request(app).get('/sandbox/control/corps')).status).toBe(200)
    expect((await request(app).get('/sandbox/control/corps').set('X-Sandbox-Token', 'wrong-token-0123456789')).status).toBe(401)
    expect((await request(app).get('/sandbox/control/corps').set('X-Forwarded-For', '127.0.0.1')).status).toBe(401)
    expect(
      (await request(app).get('/sandbox/control/corps').set('X-Forwarded-For', '127.0.0.1').set('X-Sandbox-Token', SANDBOX_TOKEN)).status,
    ).toBe(200)
    expect(
      (await request(app).get('/sandbox/control/corps').set('X-Forwarded-For', '127.0.0.1').set('Authorization', `Bearer ${SANDBOX_TOKEN}`))
        .status,
    ).toBe(200)
  })

  // supertest always connects from 127.0.0.1; a server bound to one of this machine's other addresses sees that address.
  const lanAddress = Object.values(networkInterfaces())
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal)?.address
  const lanTitle = lanAddress
    ? `from ${lanAddress} (not loopback): control needs the token, the emulated WeCom API stays open, /metrics is refused`
    : 'from a non-loopback address — skipped: this machine has no non-loopback IPv4 address to bind a test server to'
  it.skipIf(!lanAddress)(lanTitle, async () => {
    const { app } = appWith()
    const server: Server = createServer(app)
    await new Promise<void>((resolve) => server.listen(0, lanAddress, resolve))
    const base = `http://${lanAddress}:${(server.address() as AddressInfo).port}`
    try {
      const corps = `${base}/sandbox/control/corps`
      const anonymous = await fetch(corps)
      expect(anonymous.status).toBe(401)
      expect(await anonymous.text()).not.toContain('corpid')
      expect((await fetch(corps, { headers: { Authorization: `Bearer ${SANDBOX_TOKEN}` } })).status).toBe(200)
      expect((await fetch(corps, { headers: { 'X-Sandbox-Token': SANDBOX_TOKEN } })).status).toBe(200)
      const scan = await fetch(`${corps}/nope/scan`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
      expect(scan.status).toBe(401)
      // WeCom's API authenticates by corpsecret/access_token itself: it answers with an errcode, not 401.
      const gettoken = await fetch(`${base}/sandbox/wecom/cgi-bin/gettoken?corpid=nope&corpsecret=nope`)
      expect(gettoken.status).toBe(200)
      expect(((await gettoken.json()) as { errcode: number }).errcode).not.toBe(0)
      expect((await fetch(`${base}/metrics`)).status).toBe(403)
      expect((await fetch(`${base}/healthz`)).status).toBe(200)
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  })
})
