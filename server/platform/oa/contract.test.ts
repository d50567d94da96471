// Contract tests: the OA client against the real OA sandbox over HTTP — shapes accepted, replies parse, token and send rules hold.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import express from 'express'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { DbHandle } from '../../db/connect'
import { ManualClock } from '../../lib/clock'
import { silentLogger } from '../../lib/logger'
import { SecretBox } from '../../lib/secret-box'
import { createSandbox, type Sandbox } from '../../sandbox/index'
import { oaFaultName } from '../../sandbox/oa/endpoint'
import { oaEndpoints } from '../../sandbox/oa/router'
import { createTestDb } from '../../testing/test-db'
import { PlatformError, PlatformTransportError } from '../errors'
import { TokenCenter } from '../token-center'
import { createOaClient, type OaClientOptions } from './client'
import { allOaPaths, OaPaths, type OaPath } from './paths'
import { oaResponseSchemas } from './response-schemas'
import { parseTemplateKeys } from './template-keys'

let handle: DbHandle
let server: Server
let baseUrl: string
let sandbox: Sandbox
let tokens: TokenCenter
const clock = new ManualClock()

beforeAll(async () => {
  handle = await createTestDb()
  const app = express()
  server = createServer(app)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  sandbox = createSandbox({ publicBaseUrl: baseUrl, seed: 'none', clock, callbackRetryDelayMs: 0 })
  app.use('/sandbox', sandbox.router)
  tokens = new TokenCenter({ db: handle.db, clock, secrets: new SecretBox('oa-contract'), log: silentLogger, instanceId: 'oa', pollMs: 5 })
})

afterEach(() => {
  sandbox.control.clearFaults()
})

afterAll(async () => {
  await sandbox?.close()
  server?.closeAllConnections()
  await new Promise((resolve) => server?.close(resolve))
  await handle?.close()
})

interface Exchange {
  method: string
  path: string
  request: Record<string, any> | undefined
  body: Record<string, any>
}

const STABLE = OaPaths.Token.stableToken
const SEND = OaPaths.Template.send
let orgSeq = 0

/** A fresh sandbox account with one following and one non-following fan, and a client whose exchanges are recorded. */
function world(over: Partial<OaClientOptions> = {}) {
  const account = sandbox.control.createOaAccount({ name: `契约测试公众号${++orgSeq}`, oauth_domain: 'h5.clinic.test' })
  const orgId = 2000 + orgSeq
  const follower = sandbox.control.addOaFan(account.appid, { nickname: '李娜', subscribed: true, unionid: `union${orgSeq}` })
  const stranger = sandbox.control.addOaFan(account.appid, { nickname: '路人', subscribed: false })
  const exchanges: Exchange[] = []
  const fetchImpl: typeof fetch = async (input, init) => {
    const res = await fetch(input, init)
    const body = JSON.parse(await res.clone().text()) as Record<string, any>
    exchanges.push({
      method: init?.method ?? 'GET',
      path: new URL(String(input)).pathname.replace(/^\/sandbox\/oa/, ''),
      request: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined,
      body,
    })
    return res
  }
  const make = (o: Partial<OaClientOptions> = {}) =>
    createOaClient({
      baseUrl: `${baseUrl}/sandbox/oa`,
      orgId,
      appId: account.appid,
      secret: account.secret,
      tokens,
      log: silentLogger,
      fetchImpl,
      clock,
      timeoutMs: 2000,
      random: () => 0.5,
      sleep: async () => {},
      ...over,
      ...o,
    })
  const templates = Object.fromEntries(account.templates.map((t) => [t.title, t.template_id]))
  return {
    account,
    orgId,
    follower: follower.openid,
    stranger: stranger.openid,
    client: make(),
    make,
    exchanges,
    calls: (path: OaPath) => exchanges.filter((e) => e.path === path),
    legacyId: templates['客户到店提醒'],
    categoryId: templates['新客户线索通知'],
  }
}
type World = ReturnType<typeof world>

/** Every exchange of one call: errcode 0 or absent, a catalogued path, a reply that parses with the client's schema. */
async function accepted<T>(w: World, path: OaPath, fn: () => Promise<T>): Promise<T> {
  const from = w.exchanges.length
  const result = await fn()
  const mine = w.exchanges.slice(from)
  expect(mine.map((e) => e.path)).toContain(path)
  for (const e of mine) {
    expect(e.body.errcode ?? 0, `${e.path}: ${e.body.errmsg}`).toBe(0)
    const parsed = oaResponseSchemas[e.path as OaPath].safeParse(e.body)
    expect(parsed.success ? [] : parsed.error.issues, `${e.path} parses`).toEqual([])
  }
  return result
}

async function failure(fn: () => Promise<unknown>): Promise<PlatformError> {
  const err = await fn().then(
    () => null,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(PlatformError)
  return err as PlatformError
}

const categoryData = (over: Record<string, string> = {}) =>
  Object.fromEntries(
    Object.entries({ thing1: '张女士', time2: '2026-11-21 10:00', phrase3: '高意向', character_string4: 'LD001', ...over }).map(
      ([k, value]) => [k, { value }],
    ),
  )

describe('the OA catalogue and the OA sandbox', () => {
  it('list the same endpoints, both ways', () => {
    const catalogued = allOaPaths()
      .map((p) => p.path as string)
      .sort()
    const served = oaEndpoints.map((e) => e.path).sort()
    expect(served).toEqual(catalogued)
    expect(new Set(served).size).toBe(served.length)
    expect(Object.keys(oaResponseSchemas).sort()).toEqual(catalogued)
  })
})

describe('stable_token through the token center', () => {
  it('normal mode: one exchange, the same token for a second instance, never force_refresh', async () => {
    const w = world()
    const t = await accepted(w, STABLE, () => w.client.getToken())
    expect(await w.client.getToken()).toBe(t)
    expect(w.calls(STABLE)).toHaveLength(1)
    expect(w.calls(STABLE)[0].request).toEqual({
      grant_type: 'client_credential',
      appid: w.account.appid,
      secret: w.account.secret,
      force_refresh: false,
    })
    // Another process with its own token center asks too: stable_token hands it the very same token.
    const other = await w.make().stableToken()
    expect(other.access_token).toBe(t)
    await accepted(w, OaPaths.Template.list, () => w.client.template.list())
  })

  it('on 40001 with a token already replaced elsewhere: renews in normal mode, no force', async () => {
    const w = world()
    const old = await w.client.getToken()
    const replaced = await w.make().stableToken(true)
    expect(replaced.access_token).not.toBe(old)
    const list = await w.client.template.list()
    expect(list.template_list).toHaveLength(2)
    expect(w.calls(OaPaths.Template.list).map((e) => e.body.errcode ?? 0)).toEqual([40001, 0])
    expect(w.calls(STABLE).map((e) => e.request?.force_refresh)).toEqual([false, true, false])
    expect(await w.client.getToken()).toBe(replaced.access_token)
  })

  it('on 40001 for the current token: force_refresh once, then not again within 30 s', async () => {
    const w = world()
    const first = await w.client.getToken()
    const listName = oaFaultName(OaPaths.Template.list)
    sandbox.control.setFaults({ rules: [{ endpoint: listName, errorRate: 1, errorCodes: [40001] }] })
    const err = await failure(() => w.client.template.list())
    expect(err).toMatchObject({ platform: 'oa', errcode: 40001 })
    expect(w.calls(STABLE).map((e) => e.request?.force_refresh)).toEqual([false, false, true])
    const second = await w.client.getToken()
    expect(second).not.toBe(first)

    // Ten seconds later the same again: normal mode only, the 30 s floor holds.
    clock.advance(10_000)
    await failure(() => w.client.template.list())
    expect(w.calls(STABLE).map((e) => e.request?.force_refresh)).toEqual([false, false, true, false])

    clock.advance(21_000)
    await failure(() => w.client.template.list())
    expect(w.calls(STABLE).map((e) => e.request?.force_refresh)).toEqual([false, false, true, false, false, true])
  })

  it('42001 (expired) renews in normal mode only: force_refresh is kept for 40001', async () => {
    const w = world()
    await w.client.getToken()
    sandbox.control.setFaults({ rules: [{ endpoint: oaFaultName(OaPaths.Template.list), errorRate: 1, errorCodes: [42001] }] })
    expect((await failure(() => w.client.template.list())).errcode).toBe(42001)
    expect(w.calls(STABLE).map((e) => e.request?.force_refresh)).toEqual([false, false])
  })

  it('a wrong secret surfaces 40125 with its hint', async () => {
    const w = world()
    const err = await failure(() => w.make({ secret: '0'.repeat(32) }).getToken())
    expect(err).toMatchObject({ errcode: 40125, endpoint: STABLE })
    expect(err.hint).toContain('AppSecret')
  })
})

describe('template messages', () => {
  it('lists the private templates; their content parses into typed keys', async () => {
    const w = world()
    const { template_list } = await accepted(w, OaPaths.Template.list, () => w.client.template.list())
    const category = template_list.find((t) => t.template_id === w.categoryId)!
    expect(parseTemplateKeys(category.content).map((k) => k.type)).toEqual(['thing', 'time', 'phrase', 'character_string'])
    const legacy = template_list.find((t) => t.template_id === w.legacyId)!
    expect(parseTemplateKeys(legacy.content).map((k) => k.key)).toEqual(['first', 'keyword1', 'keyword2', 'keyword3', 'keyword4', 'remark'])
  })

  it('sends a category message; a legacy one keeps first/remark out of what the fan sees', async () => {
    const w = world()
    const res = await accepted(w, SEND, () =>
      w.client.template.send({ touser: w.follower, template_id: w.categoryId, data: categoryData(), client_msg_id: 'n-1' }),
    )
    const legacy = await w.client.template.send({
      touser: w.follower,
      template_id: w.legacyId,
      data: { first: { value: '新客户到店' }, keyword1: { value: '张女士' }, remark: { value: '请接待' } },
      client_msg_id: 'n-2',
    })
    const sent = sandbox.control.oaSentTemplates(w.account.appid)
    expect(sent.map((m) => m.msgid)).toEqual([res.msgid, legacy.msgid])
    expect(sent[1].notDisplayed).toEqual(['first', 'remark'])
    expect(sent[1].displayed).toEqual({ keyword1: '张女士' })
  })

  it('47003 names the key that breaks its rule, and is not retried', async () => {
    const w = world()
    for (const [key, value] of [
      ['thing1', '一二三四五六七八九十一二三四五六七八九十一'],
      ['phrase3', '非常高的意向'],
      ['character_string4', '编号001'],
      ['time2', '明天上午'],
    ]) {
      const err = await failure(() =>
        w.client.template.send({
          touser: w.follower,
          template_id: w.categoryId,
          data: categoryData({ [key]: value }),
          client_msg_id: `bad-${key}`,
        }),
      )
      expect(err.errcode).toBe(47003)
      expect(err.errmsg).toContain(`data.${key}.value invalid`)
      expect(err.hint).toContain('模板参数')
    }
    expect(w.calls(SEND)).toHaveLength(4)
    expect(sandbox.control.oaSentTemplates(w.account.appid)).toEqual([])
  })

  it('43004 for a fan who does not follow; 40003 for an openid the account does not know', async () => {
    const w = world()
    const send = (touser: string) =>
      w.client.template.send({ touser, template_id: w.categoryId, data: categoryData(), client_msg_id: touser })
    const notFollowing = await failure(() => send(w.stranger))
    expect(notFollowing).toMatchObject({ errcode: 43004, hint: '接收人未关注公众号' })
    expect((await failure(() => send('oUnknown'))).errcode).toBe(40003)
    await sandbox.control.unfollowOa(w.account.appid, w.follower)
    expect((await failure(() => send(w.follower))).errcode).toBe(43004)
    expect(w.calls(SEND)).toHaveLength(3)
  })

  it('the same client_msg_id within 10 minutes answers the first msgid and sends nothing more', async () => {
    const w = world()
    const msg = { touser: w.follower, template_id: w.categoryId, data: categoryData(), client_msg_id: 'delivery-42' }
    const a = await w.client.template.send(msg)
    clock.advance(9 * 60_000)
    const b = await w.client.template.send(msg)
    expect(b.msgid).toBe(a.msgid)
    expect(sandbox.control.oaSentTemplates(w.account.appid)).toHaveLength(1)
    clock.advance(61_000)
    const c = await w.client.template.send(msg)
    expect(c.msgid).not.toBe(a.msgid)
    expect(sandbox.control.oaSentTemplates(w.account.appid)).toHaveLength(2)
  })

  it('is not repeated after an unclear failure, although the platform did send it', async () => {
    const w = world()
    await w.client.getToken()
    sandbox.control.setFaults({ rules: [{ endpoint: oaFaultName(SEND), timeoutRate: 1, timeoutMode: 'delay', timeoutAfterMs: 400 }] })
    const err = await w
      .make({ timeoutMs: 100 })
      .template.send({ touser: w.follower, template_id: w.categoryId, data: categoryData(), client_msg_id: 'unclear-1' })
      .then(
        () => null,
        (e: unknown) => e,
      )
    expect(err).toBeInstanceOf(PlatformTransportError)
    await new Promise((r) => setTimeout(r, 450))
    expect(sandbox.control.oaSentTemplates(w.account.appid)).toHaveLength(1)
    sandbox.control.clearFaults()
    // The caller's own resend with the same client_msg_id is then safe: the platform answers the first msgid.
    const again = await w.client.template.send({
      touser: w.follower,
      template_id: w.categoryId,
      data: categoryData(),
      client_msg_id: 'unclear-1',
    })
    expect(again.msgid).toBe(sandbox.control.oaSentTemplates(w.account.appid)[0].msgid)
    expect(sandbox.control.oaSentTemplates(w.account.appid)).toHaveLength(1)
  })

  it('refuses to send without a client_msg_id', () => {
    const w = world()
    expect(() => w.client.template.send({ touser: w.follower, template_id: w.categoryId, data: {}, client_msg_id: '' })).toThrow(TypeError)
  })
})

describe('fans, OAuth, JS-SDK, QR codes, menus', () => {
  it('user/info: a follower with subscribe details, a non-follower with subscribe 0 only', async () => {
    const w = world()
    const f = await accepted(w, OaPaths.User.info, () => w.client.user.info(w.follower))
    expect(f).toMatchObject({ subscribe: 1, openid: w.follower, subscribe_scene: 'ADD_SCENE_SEARCH' })
    const s = await w.client.user.info(w.stranger)
    expect(s).toEqual({ subscribe: 0, openid: w.stranger })
    expect((await failure(() => w.client.user.info('oNobody'))).errcode).toBe(40003)
  })

  it('an OAuth code gives the openid once: 40163 on reuse, 40029 when unknown or older than 5 minutes', async () => {
    const w = world()
    const { code, openid } = sandbox.control.oaAuthorize(w.account.appid, {
      redirect_uri: 'https://h5.clinic.test/bind',
      openid: w.follower,
      state: 'x1',
    })
    const res = await accepted(w, OaPaths.OAuth.accessToken, () => w.client.oauth.exchangeCode(code))
    expect(res).toMatchObject({ openid, scope: 'snsapi_base' })
    expect(res.is_snapshotuser).toBeUndefined()
    const reused = await failure(() => w.client.oauth.exchangeCode(code))
    expect(reused).toMatchObject({ errcode: 40163 })
    expect(reused.hint).toContain('已被使用')
    expect((await failure(() => w.client.oauth.exchangeCode('nope'))).errcode).toBe(40029)
    const late = sandbox.control.oaAuthorize(w.account.appid, { redirect_uri: 'https://h5.clinic.test/bind', openid: w.follower })
    clock.advance(5 * 60_000)
    expect((await failure(() => w.client.oauth.exchangeCode(late.code))).errcode).toBe(40029)
    // Authenticated by appid + secret: no stable_token was needed.
    expect(w.calls(STABLE)).toHaveLength(0)
  })

  it('a snapshot-page user comes back with is_snapshotuser 1 and a virtual openid', async () => {
    const w = world()
    const { code } = sandbox.control.oaAuthorize(w.account.appid, {
      redirect_uri: 'https://h5.clinic.test/bind',
      scope: 'snsapi_userinfo',
      snapshot: true,
    })
    const res = await w.client.oauth.exchangeCode(code)
    expect(res.is_snapshotuser).toBe(1)
    expect(res.unionid).toBeUndefined()
    expect(sandbox.control.listOaFans(w.account.appid).map((f) => f.openid)).not.toContain(res.openid)
  })

  it('the jsapi ticket is fetched once for concurrent and later callers', async () => {
    const w = world()
    const [a, b] = await Promise.all([w.client.jsapi.getTicket(), w.client.jsapi.getTicket()])
    expect(a).toBe(b)
    clock.advance(60 * 60_000)
    expect(await w.client.jsapi.getTicket()).toBe(a)
    expect(w.calls(OaPaths.Jsapi.getTicket)).toHaveLength(1)
    // Close to expiry it is fetched again.
    clock.advance(56 * 60_000)
    await accepted(w, OaPaths.Jsapi.getTicket, () => w.client.jsapi.getTicket())
    expect(w.calls(OaPaths.Jsapi.getTicket)).toHaveLength(2)
  })

  it('QR codes: temporary with an expiry, permanent without; a bad scene is refused', async () => {
    const w = world()
    const temp = await accepted(w, OaPaths.Qrcode.create, () =>
      w.client.qrcode.create({ action_name: 'QR_STR_SCENE', expire_seconds: 3600, action_info: { scene: { scene_str: 'bind-7' } } }),
    )
    expect(temp.expire_seconds).toBe(3600)
    const perm = await w.client.qrcode.create({ action_name: 'QR_LIMIT_SCENE', action_info: { scene: { scene_id: 42 } } })
    expect(perm.expire_seconds).toBeUndefined()
    const bad = await failure(() =>
      w.client.qrcode.create({ action_name: 'QR_LIMIT_SCENE', action_info: { scene: { scene_id: 100_001 } } }),
    )
    expect(bad.errcode).toBe(40053)
  })

  it('menus: create then get returns it; a name over 16 bytes is refused', async () => {
    const w = world()
    expect((await failure(() => w.client.menu.get())).errcode).toBe(46003)
    const menu = {
      button: [
        { name: '预约', type: 'view' as const, url: 'https://h5.clinic.test/' },
        { name: '更多', sub_button: [{ name: '绑定手机', type: 'click' as const, key: 'BIND' }] },
      ],
    }
    await accepted(w, OaPaths.Menu.create, () => w.client.menu.create(menu))
    expect((await accepted(w, OaPaths.Menu.get, () => w.client.menu.get())).menu).toEqual(menu)
    expect((await failure(() => w.client.menu.create({ button: [{ name: '一二三四五六', type: 'click', key: 'k' }] }))).errcode).toBe(40018)
  })
})
