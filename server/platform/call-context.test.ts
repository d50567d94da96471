// Interactive calls against the sandbox: rate limits fail fast in Chinese (jobs keep theirs), short backoff, and no call after an abort.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { silentLogger } from '../lib/logger'
import { type TestSandbox, setupSandbox } from '../sandbox/testing'
import { asInteractive, CallAbortedError, withoutRateWaits } from './call-context'
import { INTERACTIVE_BACKOFF_BUDGET_MS, PlatformRateLimitedError, type TokenSource } from './call-core'
import { PlatformError } from './errors'
import { createOaCore } from './oa/call'
import { OaPaths } from './oa/paths'
import { createWecomCore } from './wecom/call'
import { WecomPaths } from './wecom/paths'

let t: TestSandbox
let server: Server
let base: string
let sleeps: number[]

/** A token source without a cache, so every token exchange is visible in the counters. */
const tokens: TokenSource = {
  get: async (_org, _app, fetcher) => (await fetcher()).token,
  invalidate: async () => true,
}
const sleep = async (ms: number) => {
  sleeps.push(ms)
}

beforeEach(async () => {
  t = setupSandbox()
  sleeps = []
  server = createServer(t.app)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sandbox`
})
afterEach(async () => {
  await new Promise((r) => server.close(r))
  await t.sandbox.close()
})

function wecom() {
  return createWecomCore({
    baseUrl: `${base}/wecom`,
    orgId: 1,
    corpId: t.corp.corpid,
    secret: t.contactApp.secret,
    app: 'contact',
    tokens,
    log: silentLogger,
    sleep,
    fetchImpl: fetch,
  })
}

const followUsers = (core: ReturnType<typeof wecom>) => core.call({ method: 'GET', path: WecomPaths.ExternalContact.getFollowUserList })
const calls = (endpoint: string) => t.control.getCounters().endpoints[endpoint]?.calls ?? 0

describe('WeCom rate limit', () => {
  beforeEach(() =>
    t.control.setFaults({ rules: [{ endpoint: 'externalcontact/get_follow_user_list', errorRate: 1, errorCodes: [45009] }] }),
  )

  it('an admin’s request fails at once with when to retry, in Chinese', async () => {
    const e = await asInteractive(undefined, () => followUsers(wecom())).catch((err: unknown) => err)
    expect(e).toBeInstanceOf(PlatformRateLimitedError)
    expect((e as PlatformRateLimitedError).hint).toBe('企业微信接口调用过于频繁，请约 60 秒后再试')
    expect(sleeps).toEqual([])
    expect(calls('externalcontact/get_follow_user_list')).toBe(1)
  })

  it('a queue job still hands its slot back with the pause, as before', async () => {
    const e = await withoutRateWaits(() => followUsers(wecom())).catch((err: unknown) => err)
    expect(e).toBeInstanceOf(PlatformError)
    expect(e).not.toBeInstanceOf(PlatformRateLimitedError)
    expect(e).toMatchObject({ errcode: 45009, retryAfterMs: 60_000 })
    expect(sleeps).toEqual([])
  })

  it('a job started from inside a request is still a job', async () => {
    const e = await asInteractive(undefined, () => withoutRateWaits(() => followUsers(wecom()))).catch((err: unknown) => err)
    expect(e).not.toBeInstanceOf(PlatformRateLimitedError)
    expect(e).toMatchObject({ errcode: 45009, retryAfterMs: 60_000 })
  })
})

describe('OA rate limit', () => {
  it('45011 fails fast for an admin with the Official Account named; a job gets the pause', async () => {
    const account = t.control.createOaAccount({ name: '测试公众号', oauth_domain: 'clinic.test' })
    const oa = () =>
      createOaCore({
        baseUrl: `${base}/oa`,
        orgId: 1,
        appId: account.appid,
        secret: account.secret,
        tokens,
        log: silentLogger,
        sleep,
        fetchImpl: fetch,
      })
    t.control.setFaults({ rules: [{ endpoint: `oa:${OaPaths.Template.list}`, errorRate: 1, errorCodes: [45011] }] })
    const list = (core: ReturnType<typeof oa>) => core.call({ method: 'GET', path: OaPaths.Template.list })
    const fast = await asInteractive(undefined, () => list(oa())).catch((err: unknown) => err)
    expect(fast).toBeInstanceOf(PlatformRateLimitedError)
    expect((fast as PlatformRateLimitedError).hint).toBe('公众号接口调用过于频繁，请约 60 秒后再试')
    const job = await withoutRateWaits(() => list(oa())).catch((err: unknown) => err)
    expect(job).not.toBeInstanceOf(PlatformRateLimitedError)
    expect(job).toMatchObject({ errcode: 45011, retryAfterMs: 60_000 })
    expect(sleeps).toEqual([])
  })
})

describe('interactive backoff', () => {
  it('keeps the pauses after errcode -1 short in total', async () => {
    t.control.setFaults({ rules: [{ endpoint: 'externalcontact/get_follow_user_list', errorRate: 1, errorCodes: [-1] }] })
    const core = createWecomCore({
      baseUrl: `${base}/wecom`,
      orgId: 1,
      corpId: t.corp.corpid,
      secret: t.contactApp.secret,
      app: 'contact',
      tokens,
      log: silentLogger,
      sleep,
      fetchImpl: fetch,
      retry: { maxRetries: 6, baseDelayMs: 5000, maxDelayMs: 30_000 },
      random: () => 0.999,
    })
    const e = await asInteractive(undefined, () => followUsers(core)).catch((err: unknown) => err)
    expect(e).toMatchObject({ errcode: -1 })
    expect(sleeps.length).toBeGreaterThan(0)
    expect(sleeps.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(INTERACTIVE_BACKOFF_BUDGET_MS)
    // The same policy in the background takes the long pauses it was given.
    sleeps = []
    await followUsers(core).catch(() => {})
    expect(sleeps).toHaveLength(6)
    expect(Math.max(...sleeps)).toBeGreaterThan(INTERACTIVE_BACKOFF_BUDGET_MS)
  })
})

describe('abandoned requests', () => {
  it('nothing reaches the sandbox once the request was aborted, not even the token exchange', async () => {
    const gone = new AbortController()
    gone.abort()
    const e = await asInteractive(gone.signal, () => followUsers(wecom())).catch((err: unknown) => err)
    expect(e).toBeInstanceOf(CallAbortedError)
    expect(t.control.getCounters().total).toBe(0)
  })

  it('an abort between two calls of one request stops the second before it is sent', async () => {
    const leaving = new AbortController()
    const core = wecom()
    const e = await asInteractive(leaving.signal, async () => {
      await followUsers(core)
      leaving.abort()
      return core.call({ method: 'POST', path: WecomPaths.ContactWay.add, body: { type: 1, scene: 2, user: ['alice'] } })
    }).catch((err: unknown) => err)
    expect(e).toBeInstanceOf(CallAbortedError)
    expect(calls('externalcontact/get_follow_user_list')).toBe(1)
    expect(calls('externalcontact/add_contact_way')).toBe(0)
  })
})
