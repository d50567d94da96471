// WeCom client against a fake WeCom on 127.0.0.1: request shapes, errcodes, and the retry/token/rate rules.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { pino } from 'pino'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { DbHandle } from '../../db/connect'
import { ManualClock, systemClock } from '../../lib/clock'
import { silentLogger, type Logger } from '../../lib/logger'
import { SecretBox } from '../../lib/secret-box'
import { createTestDb } from '../../testing/test-db'
import { PlatformError, PlatformTransportError } from '../errors'
import { RateLimiter } from '../rate-limiter'
import { TokenCenter } from '../token-center'
import { createWecomClient, type WecomClientOptions } from './client'
import { allWecomPaths, WecomPaths } from './paths'
import type { AddContactWayRequest } from './contact-way.types'
import { wecomResponseSchemas } from './response-schemas'
import { withoutRateWaits } from '../call-context'

const CORP_ID = 'ww-test-corp'
const SECRET = 'contact-secret-value'

interface Received {
  method: string
  path: string
  query: URLSearchParams
  headers: IncomingHttpHeaders
  body: Buffer
  json: any
}
interface Reply {
  status?: number
  json?: unknown
  text?: string
  delayMs?: number
}
type Route = (req: Received, nth: number) => Reply | Promise<Reply>

/** Just enough of WeCom: gettoken issues tok-1, tok-2, …; every other path checks the token, then runs its route. */
class FakeWecom {
  baseUrl = ''
  readonly received: Received[] = []
  readonly valid = new Set<string>()
  private readonly routes = new Map<string, Route>()
  private server!: Server
  private issued = 0
  tokenReply: (() => Reply) | undefined

  async start() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', async () => {
        const url = new URL(req.url ?? '/', 'http://x')
        const body = Buffer.concat(chunks)
        let json: unknown
        if (String(req.headers['content-type']).startsWith('application/json')) json = JSON.parse(body.toString('utf8'))
        const r: Received = { method: req.method ?? '', path: url.pathname, query: url.searchParams, headers: req.headers, body, json }
        this.received.push(r)
        const reply = await this.answer(r)
        const send = () => {
          if (res.destroyed) return
          res.writeHead(reply.status ?? 200, { 'content-type': reply.text !== undefined ? 'text/html' : 'application/json' })
          res.end(reply.text ?? JSON.stringify(reply.json))
        }
        if (reply.delayMs) setTimeout(send, reply.delayMs)
        else send()
      })
    })
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve))
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
  }

  async stop() {
    this.server.closeAllConnections()
    await new Promise((resolve) => this.server.close(resolve))
  }

  on(path: string, route: Route) {
    this.routes.set(path, route)
  }

  calls(path: string): Received[] {
    return this.received.filter((r) => r.path === path)
  }

  private async answer(r: Received): Promise<Reply> {
    if (r.path === WecomPaths.Token.getToken) {
      if (this.tokenReply) return this.tokenReply()
      if (r.query.get('corpid') !== CORP_ID) return { json: { errcode: 40013, errmsg: 'invalid corpid' } }
      if (r.query.get('corpsecret') !== SECRET) return { json: { errcode: 40001, errmsg: 'invalid secret' } }
      const token = `tok-${++this.issued}`
      this.valid.add(token)
      return { json: { errcode: 0, errmsg: 'ok', access_token: token, expires_in: 7200 } }
    }
    const token = r.query.get('access_token')
    if (!token) return { json: { errcode: 41001, errmsg: 'access_token missing' } }
    if (!this.valid.has(token)) return { json: { errcode: 40014, errmsg: 'invalid access_token' } }
    const route = this.routes.get(r.path)
    if (!route) return { status: 404, text: '<html>not found</html>' }
    return route(r, this.calls(r.path).length)
  }
}

const ok = (extra: object = {}): Reply => ({ json: { errcode: 0, errmsg: 'ok', ...extra } })
const err = (errcode: number, errmsg = 'error'): Reply => ({ json: { errcode, errmsg } })

let fake: FakeWecom
let handle: DbHandle
let tokens: TokenCenter
let sleeps: number[]

beforeEach(async () => {
  fake = new FakeWecom()
  await fake.start()
  handle = await createTestDb()
  tokens = new TokenCenter({
    db: handle.db,
    clock: systemClock,
    secrets: new SecretBox('client-test'),
    log: silentLogger,
    instanceId: 'test',
    pollMs: 5,
  })
  sleeps = []
})

afterEach(async () => {
  await fake.stop()
  await handle.close()
})

function client(over: Partial<WecomClientOptions> = {}) {
  return createWecomClient({
    baseUrl: fake.baseUrl,
    orgId: 1,
    corpId: CORP_ID,
    secret: SECRET,
    app: 'contact',
    tokens,
    log: silentLogger,
    timeoutMs: 2000,
    random: () => 0.5,
    sleep: async (ms) => void sleeps.push(ms),
    ...over,
  })
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p
  } catch (e) {
    return e
  }
  throw new Error('expected a rejection')
}

describe('request shapes', () => {
  it('gettoken sends corpid and corpsecret, and the token is fetched once and reused', async () => {
    fake.on(WecomPaths.Tag.list, () => ok({ tag_group: [] }))
    const c = client()
    await c.tag.list()
    await c.tag.list({ group_id: ['g1'] })
    const [tokenCall] = fake.calls(WecomPaths.Token.getToken)
    expect(fake.calls(WecomPaths.Token.getToken)).toHaveLength(1)
    expect(tokenCall.method).toBe('GET')
    expect(Object.fromEntries(tokenCall.query)).toEqual({ corpid: CORP_ID, corpsecret: SECRET })
    const tagCalls = fake.calls(WecomPaths.Tag.list)
    expect(tagCalls.map((r) => r.query.get('access_token'))).toEqual(['tok-1', 'tok-1'])
    expect(tagCalls.map((r) => r.json)).toEqual([{}, { group_id: ['g1'] }])
    expect(await c.getToken()).toBe('tok-1')
    expect((await c.gettoken()).access_token).toBe('tok-2')
  })

  it('add_contact_way posts the JSON body as given and returns config_id and qr_code', async () => {
    fake.on(WecomPaths.ContactWay.add, () => ok({ config_id: 'cfg-1', qr_code: 'https://qr/1' }))
    const req: AddContactWayRequest = { type: 1, scene: 2, user: ['doctor.li'], state: 'clinic-a', remark: '前台', skip_verify: true }
    const res = await client().contactWay.add(req)
    expect(res.config_id).toBe('cfg-1')
    expect(res.qr_code).toBe('https://qr/1')
    const [r] = fake.calls(WecomPaths.ContactWay.add)
    expect(r.method).toBe('POST')
    expect(r.headers['content-type']).toMatch(/^application\/json/)
    expect(r.json).toEqual(req)
  })

  it('contact-way get/update/del/closeTempChat and list iteration send the documented bodies', async () => {
    fake.on(WecomPaths.ContactWay.get, () => ok({ contact_way: { config_id: 'cfg-1', type: 1, scene: 2, user: ['u1'] } }))
    fake.on(WecomPaths.ContactWay.update, () => ok())
    fake.on(WecomPaths.ContactWay.del, () => ok())
    fake.on(WecomPaths.ContactWay.closeTempChat, () => ok())
    fake.on(WecomPaths.ContactWay.list, (r) =>
      r.json.cursor === 'p2'
        ? ok({ contact_way: [{ config_id: 'c3' }] })
        : ok({ contact_way: [{ config_id: 'c1' }, { config_id: 'c2' }], next_cursor: 'p2' }),
    )
    const c = client()
    expect((await c.contactWay.get('cfg-1')).contact_way.user).toEqual(['u1'])
    await c.contactWay.update({ config_id: 'cfg-1', remark: 'r' })
    await c.contactWay.del('cfg-1')
    await c.contactWay.closeTempChat({ userid: 'u1', external_userid: 'wm1' })
    const ids: string[] = []
    for await (const id of c.contactWay.iterate({ limit: 2 })) ids.push(id)
    expect(ids).toEqual(['c1', 'c2', 'c3'])
    expect(fake.calls(WecomPaths.ContactWay.get)[0].json).toEqual({ config_id: 'cfg-1' })
    expect(fake.calls(WecomPaths.ContactWay.update)[0].json).toEqual({ config_id: 'cfg-1', remark: 'r' })
    expect(fake.calls(WecomPaths.ContactWay.del)[0].json).toEqual({ config_id: 'cfg-1' })
    expect(fake.calls(WecomPaths.ContactWay.closeTempChat)[0].json).toEqual({ userid: 'u1', external_userid: 'wm1' })
    expect(fake.calls(WecomPaths.ContactWay.list).map((r) => r.json)).toEqual([{ limit: 2 }, { limit: 2, cursor: 'p2' }])
  })

  it('externalContact.get merges follow_user across cursor pages unless told not to', async () => {
    const contact = { external_userid: 'wm1', name: '张三', type: 1 }
    fake.on(WecomPaths.ExternalContact.get, (r) => {
      const cursor = r.query.get('cursor')
      if (!cursor) return ok({ external_contact: contact, follow_user: [{ userid: 'u1', createtime: 1 }], next_cursor: 'c2' })
      if (cursor === 'c2') return ok({ external_contact: contact, follow_user: [{ userid: 'u2', createtime: 2 }], next_cursor: 'c3' })
      return ok({ external_contact: contact, follow_user: [{ userid: 'u3', createtime: 3 }], next_cursor: '' })
    })
    const c = client()
    const all = await c.externalContact.get('wm1')
    expect(all.follow_user.map((f) => f.userid)).toEqual(['u1', 'u2', 'u3'])
    expect(all.next_cursor).toBeUndefined()
    expect(all.external_contact.name).toBe('张三')
    const calls = fake.calls(WecomPaths.ExternalContact.get)
    expect(calls.map((r) => r.method)).toEqual(['GET', 'GET', 'GET'])
    expect(calls.map((r) => [r.query.get('external_userid'), r.query.get('cursor')])).toEqual([
      ['wm1', null],
      ['wm1', 'c2'],
      ['wm1', 'c3'],
    ])

    const one = await c.externalContact.get('wm1', { allPages: false })
    expect(one.follow_user).toHaveLength(1)
    expect(one.next_cursor).toBe('c2')
  })

  it('stops instead of looping when WeCom repeats a cursor', async () => {
    fake.on(WecomPaths.ExternalContact.get, () =>
      ok({ external_contact: { external_userid: 'wm1', name: 'x', type: 1 }, follow_user: [], next_cursor: 'same' }),
    )
    await expect(client().externalContact.get('wm1')).rejects.toThrow(/cursor repeated/)
  })

  it('iterateByUser walks batch/get_by_user cursors and yields every row', async () => {
    const row = (n: number) => ({
      external_contact: { external_userid: `wm${n}`, name: `c${n}`, type: 1 },
      follow_info: { userid: 'u1', createtime: n, tag_id: [`t${n}`] },
    })
    fake.on(WecomPaths.ExternalContact.batchGetByUser, (r) => {
      if (!r.json.cursor) return ok({ external_contact_list: [row(1), row(2)], next_cursor: 'n1' })
      if (r.json.cursor === 'n1') return ok({ external_contact_list: [row(3)], next_cursor: 'n2' })
      return ok({ external_contact_list: [row(4)] })
    })
    const seen: string[] = []
    for await (const item of client().externalContact.iterateByUser({ userid_list: ['u1', 'u2'], limit: 100 })) {
      seen.push(item.external_contact.external_userid)
    }
    expect(seen).toEqual(['wm1', 'wm2', 'wm3', 'wm4'])
    expect(fake.calls(WecomPaths.ExternalContact.batchGetByUser).map((r) => r.json)).toEqual([
      { userid_list: ['u1', 'u2'], limit: 100 },
      { userid_list: ['u1', 'u2'], limit: 100, cursor: 'n1' },
      { userid_list: ['u1', 'u2'], limit: 100, cursor: 'n2' },
    ])
  })

  it('follow-user list, per-member list and remark', async () => {
    fake.on(WecomPaths.ExternalContact.getFollowUserList, () => ok({ follow_user: ['u1', 'u2'] }))
    fake.on(WecomPaths.ExternalContact.list, () => ok({ external_userid: ['wm1'] }))
    fake.on(WecomPaths.ExternalContact.remark, () => ok())
    const c = client()
    expect((await c.externalContact.getFollowUserList()).follow_user).toEqual(['u1', 'u2'])
    expect((await c.externalContact.list('u1')).external_userid).toEqual(['wm1'])
    await c.externalContact.remark({ userid: 'u1', external_userid: 'wm1', remark_mobiles: [''] })
    expect(fake.calls(WecomPaths.ExternalContact.list)[0].query.get('userid')).toBe('u1')
    expect(fake.calls(WecomPaths.ExternalContact.remark)[0].json).toEqual({ userid: 'u1', external_userid: 'wm1', remark_mobiles: [''] })
  })

  it('tags, welcome and group messages post their bodies to their own paths', async () => {
    for (const p of [
      WecomPaths.Tag.edit,
      WecomPaths.Tag.del,
      WecomPaths.Tag.mark,
      WecomPaths.Welcome.send,
      WecomPaths.GroupMsg.remind,
      WecomPaths.GroupMsg.cancel,
    ]) {
      fake.on(p, () => ok())
    }
    fake.on(WecomPaths.Tag.add, () =>
      ok({
        tag_group: {
          group_id: 'g1',
          group_name: '来源',
          create_time: 1,
          order: 0,
          tag: [{ id: 't1', name: '抖音', create_time: 1, order: 0 }],
        },
      }),
    )
    fake.on(WecomPaths.GroupMsg.addTemplate, () => ok({ fail_list: ['wmX'], msgid: 'msg-1' }))
    fake.on(WecomPaths.GroupMsg.getSendResult, () => ok({ send_list: [{ external_userid: 'wm1', userid: 'u1', status: 1, send_time: 5 }] }))
    const c = client()
    expect((await c.tag.add({ group_name: '来源', tag: [{ name: '抖音' }] })).tag_group.tag[0].id).toBe('t1')
    await c.tag.edit({ id: 't1', name: '抖音2' })
    await c.tag.del({ tag_id: ['t1'] })
    await c.tag.mark({ userid: 'u1', external_userid: 'wm1', add_tag: ['t1'] })
    await c.welcome.send({
      welcome_code: 'wc',
      text: { content: 'hi' },
      attachments: [{ msgtype: 'link', link: { title: 't', url: 'https://x' } }],
    })
    const created = await c.groupMsg.addTemplate({
      chat_type: 'single',
      external_userid: ['wm1', 'wmX'],
      sender: 'u1',
      text: { content: '复诊提醒' },
    })
    expect(created).toMatchObject({ msgid: 'msg-1', fail_list: ['wmX'] })
    const rows = []
    for await (const r of c.groupMsg.iterateSendResult({ msgid: 'msg-1', userid: 'u1' })) rows.push(r)
    expect(rows).toEqual([{ external_userid: 'wm1', userid: 'u1', status: 1, send_time: 5 }])
    await c.groupMsg.remind('msg-1')
    await c.groupMsg.cancel('msg-1')
    expect(fake.calls(WecomPaths.Tag.mark)[0].json).toEqual({ userid: 'u1', external_userid: 'wm1', add_tag: ['t1'] })
    expect(fake.calls(WecomPaths.Welcome.send)[0].json.welcome_code).toBe('wc')
    expect(fake.calls(WecomPaths.GroupMsg.addTemplate)[0].json.sender).toBe('u1')
    expect(fake.calls(WecomPaths.GroupMsg.remind)[0].json).toEqual({ msgid: 'msg-1' })
    expect(fake.calls(WecomPaths.GroupMsg.cancel)[0].json).toEqual({ msgid: 'msg-1' })
  })

  it('message.send sends text and textcard bodies and returns the partial-failure fields', async () => {
    fake.on(WecomPaths.Message.send, (r) => ok({ invaliduser: r.json.msgtype === 'text' ? 'ghost' : '', msgid: `m-${r.json.msgtype}` }))
    const c = client()
    const text = await c.message.send({ touser: 'u1|ghost', msgtype: 'text', agentid: 1000002, text: { content: '新客户' } })
    expect(text).toMatchObject({ invaliduser: 'ghost', msgid: 'm-text' })
    await c.message.send({
      touser: 'u1',
      msgtype: 'textcard',
      agentid: 1000002,
      textcard: { title: '预约', description: '明天 9:00', url: 'https://clinic/x', btntxt: '查看' },
    })
    expect(fake.calls(WecomPaths.Message.send).map((r) => r.json)).toEqual([
      { touser: 'u1|ghost', msgtype: 'text', agentid: 1000002, text: { content: '新客户' } },
      {
        touser: 'u1',
        msgtype: 'textcard',
        agentid: 1000002,
        textcard: { title: '预约', description: '明天 9:00', url: 'https://clinic/x', btntxt: '查看' },
      },
    ])
  })

  it('media.uploadImage posts multipart field "media" with the filename and bytes, type=image', async () => {
    fake.on(WecomPaths.Media.upload, () => ok({ type: 'image', media_id: 'mid-1', created_at: '1380000000' }))
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3])
    const res = await client().media.uploadImage(png, 'poster.png')
    expect(res.media_id).toBe('mid-1')
    const [r] = fake.calls(WecomPaths.Media.upload)
    expect(r.method).toBe('POST')
    expect(r.query.get('type')).toBe('image')
    expect(r.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/)
    const body = r.body.toString('latin1')
    expect(body).toMatch(/content-disposition: form-data; name="media"; filename="poster.png"/i)
    expect(body).toMatch(/content-type: image\/png/i)
    expect(r.body.includes(png)).toBe(true)
  })

  it('auth.getUserInfo passes the code; jsapi tickets are validated', async () => {
    fake.on(WecomPaths.Auth.getUserInfo, () => ok({ userid: 'u1' }))
    fake.on(WecomPaths.Jsapi.getCorpTicket, () => ok({ ticket: 'tk', expires_in: 7200 }))
    fake.on(WecomPaths.Jsapi.getAgentTicket, () => ok({ ticket: '', expires_in: 7200 }))
    const c = client()
    expect((await c.auth.getUserInfo('code-1')).userid).toBe('u1')
    expect(fake.calls(WecomPaths.Auth.getUserInfo)[0].query.get('code')).toBe('code-1')
    expect(await c.jsapi.getTicket()).toMatchObject({ ticket: 'tk', expires_in: 7200 })
    const bad = await rejection(c.jsapi.getAgentTicket())
    expect(bad).toBeInstanceOf(PlatformTransportError)
    expect(String((bad as Error).message)).toMatch(/unexpected response shape/)
    expect(fake.calls(WecomPaths.Jsapi.getAgentTicket)).toHaveLength(1)
    expect(fake.calls(WecomPaths.Jsapi.getAgentTicket)[0].query.get('type')).toBe('agent_config')
  })

  it('every catalogued path has a response schema', () => {
    const paths = allWecomPaths().map((p) => p.path)
    expect(new Set(paths).size).toBe(paths.length)
    expect(Object.keys(wecomResponseSchemas).sort()).toEqual([...paths].sort())
  })
})

describe('errors', () => {
  it('a non-zero errcode becomes a PlatformError with the endpoint and a Chinese hint, without retry', async () => {
    fake.on(WecomPaths.ExternalContact.get, () => err(84061, 'not external contact'))
    const e = await rejection(client().externalContact.get('wm1'))
    expect(e).toBeInstanceOf(PlatformError)
    expect(e).toMatchObject({ platform: 'wecom', endpoint: WecomPaths.ExternalContact.get, errcode: 84061, errmsg: 'not external contact' })
    expect((e as PlatformError).hint).toBe('该成员与客户不存在好友关系')
    expect(fake.calls(WecomPaths.ExternalContact.get)).toHaveLength(1)
  })

  it('40096 surfaces at once', async () => {
    fake.on(WecomPaths.Tag.mark, () => err(40096, 'invalid external userid'))
    const e = await rejection(client().tag.mark({ userid: 'u1', external_userid: 'bad', add_tag: ['t'] }))
    expect(e).toMatchObject({ errcode: 40096 })
    expect(fake.calls(WecomPaths.Tag.mark)).toHaveLength(1)
    expect(sleeps).toEqual([])
  })

  it('gettoken errors surface with their hints and are not retried', async () => {
    fake.on(WecomPaths.Tag.list, () => ok({ tag_group: [] }))
    const badSecret = await rejection(client({ secret: 'wrong' }).tag.list())
    expect(badSecret).toMatchObject({ endpoint: WecomPaths.Token.getToken, errcode: 40001 })
    expect((badSecret as PlatformError).hint).toMatch(/Secret/)
    const badCorp = await rejection(client({ corpId: 'ww-nope' }).tag.list())
    expect(badCorp).toMatchObject({ errcode: 40013, hint: '企业 CorpID 不正确' })
    expect(fake.calls(WecomPaths.Token.getToken)).toHaveLength(2)
    expect(fake.calls(WecomPaths.Tag.list)).toHaveLength(0)
    expect(await handle.db.selectFrom('platform_tokens').selectAll().execute()).toHaveLength(0)
  })

  it('an HTTP 404 (wrong base URL) surfaces without retries', async () => {
    const e = await rejection(client().tag.list())
    expect(e).toBeInstanceOf(PlatformTransportError)
    expect((e as PlatformTransportError).status).toBe(404)
    expect(fake.calls(WecomPaths.Tag.list)).toHaveLength(1)
  })
})

describe('retries', () => {
  it('errcode -1 is retried with jittered backoff and eventually succeeds', async () => {
    fake.on(WecomPaths.Tag.list, (_r, n) => (n <= 2 ? err(-1, 'system busy') : ok({ tag_group: [] })))
    const res = await client({ retry: { baseDelayMs: 100, maxDelayMs: 1000 } }).tag.list()
    expect(res.tag_group).toEqual([])
    expect(fake.calls(WecomPaths.Tag.list)).toHaveLength(3)
    // random() = 0.5 → half of 100·2^n
    expect(sleeps).toEqual([50, 100])
  })

  it('errcode -1 gives up after 1 + 3 calls with the PlatformError', async () => {
    fake.on(WecomPaths.Tag.list, () => err(-1, 'system busy'))
    const e = await rejection(client().tag.list())
    expect(e).toMatchObject({ errcode: -1, hint: '系统繁忙，请稍后重试' })
    expect(fake.calls(WecomPaths.Tag.list)).toHaveLength(4)
    expect(sleeps).toHaveLength(3)
  })

  it('HTTP 5xx is retried and succeeds, or surfaces as a transport error after 1 + 3 calls', async () => {
    fake.on(WecomPaths.Tag.list, (_r, n) => (n === 1 ? { status: 502, text: 'bad gateway' } : ok({ tag_group: [] })))
    await client().tag.list()
    expect(fake.calls(WecomPaths.Tag.list)).toHaveLength(2)

    fake.on(WecomPaths.ExternalContact.list, () => ({ status: 503, json: { errcode: 0 } }))
    const e = await rejection(client().externalContact.list('u1'))
    expect(e).toBeInstanceOf(PlatformTransportError)
    expect((e as PlatformTransportError).status).toBe(503)
    expect(fake.calls(WecomPaths.ExternalContact.list)).toHaveLength(4)
  })

  it('a non-JSON 200 answer is retried', async () => {
    fake.on(WecomPaths.Tag.list, (_r, n) => (n === 1 ? { text: '<html>gateway hiccup</html>' } : ok({ tag_group: [] })))
    await client().tag.list()
    expect(fake.calls(WecomPaths.Tag.list)).toHaveLength(2)
  })

  it('a timeout is retried; after 1 + 3 timeouts it surfaces', async () => {
    fake.on(WecomPaths.Tag.list, (_r, n) => (n === 1 ? { ...ok({ tag_group: [] }), delayMs: 500 } : ok({ tag_group: [] })))
    await client({ timeoutMs: 100 }).tag.list()
    expect(fake.calls(WecomPaths.Tag.list)).toHaveLength(2)

    fake.on(WecomPaths.Tag.add, () => ({ ...ok(), delayMs: 500 }))
    const e = await rejection(client({ timeoutMs: 50 }).tag.add({ group_name: 'g', tag: [{ name: 't' }] }))
    expect(e).toBeInstanceOf(PlatformTransportError)
    expect(String((e as Error).message)).toMatch(/timed out/)
    expect(fake.calls(WecomPaths.Tag.add)).toHaveLength(4)
  })

  it('a network failure (nothing listening) is retried, then surfaces', async () => {
    const c = client()
    await c.getToken()
    await fake.stop()
    const e = await rejection(c.tag.list())
    expect(e).toBeInstanceOf(PlatformTransportError)
    expect(String((e as Error).message)).toMatch(/network error/)
    expect(sleeps).toHaveLength(3)
    await fake.start() // so afterEach can stop it
  })

  it('non-idempotent sends are not repeated after an ambiguous failure, but are after errcode -1', async () => {
    fake.on(WecomPaths.GroupMsg.addTemplate, () => ({ ...ok({ msgid: 'm1' }), delayMs: 500 }))
    const e = await rejection(client({ timeoutMs: 50 }).groupMsg.addTemplate({ sender: 'u1', text: { content: 'x' } }))
    expect(e).toBeInstanceOf(PlatformTransportError)
    expect(fake.calls(WecomPaths.GroupMsg.addTemplate)).toHaveLength(1)

    fake.on(WecomPaths.Message.send, (_r, n) => (n === 1 ? err(-1) : ok({ msgid: 'm' })))
    await client().message.send({ touser: 'u1', msgtype: 'text', agentid: 1, text: { content: 'x' } })
    expect(fake.calls(WecomPaths.Message.send)).toHaveLength(2)
  })

  it('45009 waits (60 s by default, via the injected sleep) and then succeeds', async () => {
    fake.on(WecomPaths.Tag.list, (_r, n) => (n === 1 ? err(45009, 'api freq out of limit') : ok({ tag_group: [] })))
    await client().tag.list()
    expect(sleeps).toEqual([60_000])
    expect(fake.calls(WecomPaths.Tag.list)).toHaveLength(2)
  })

  it('inside a queue job, 45009 surfaces at once with when to retry instead of sleeping in the job’s slot', async () => {
    fake.on(WecomPaths.Tag.list, (_r, n) => (n === 1 ? err(45009, 'api freq out of limit') : ok({ tag_group: [] })))
    const e = await rejection(withoutRateWaits(() => client({ rateLimitWaitMs: 1234 }).tag.list()))
    expect(e).toMatchObject({ errcode: 45009, retryAfterMs: 1234 })
    expect(sleeps).toEqual([])
    expect(fake.calls(WecomPaths.Tag.list)).toHaveLength(1)
  })

  it('45033 waits the configured time; the waits are bounded', async () => {
    fake.on(WecomPaths.Tag.list, () => err(45033, 'concurrency out of limit'))
    const e = await rejection(client({ rateLimitWaitMs: 1000, maxRateLimitWaits: 2 }).tag.list())
    expect(e).toMatchObject({ errcode: 45033 })
    expect(sleeps).toEqual([1000, 1000])
    expect(fake.calls(WecomPaths.Tag.list)).toHaveLength(3)
  })
})

describe('token renewal', () => {
  it('40014 invalidates the used token, fetches one new token and retries once', async () => {
    fake.on(WecomPaths.Tag.list, () => ok({ tag_group: [] }))
    const c = client()
    await c.tag.list()
    fake.valid.delete('tok-1') // WeCom revoked it early
    await c.tag.list()
    expect(fake.calls(WecomPaths.Token.getToken)).toHaveLength(2)
    expect(fake.calls(WecomPaths.Tag.list).map((r) => r.query.get('access_token'))).toEqual(['tok-1', 'tok-1', 'tok-2'])
  })

  it('20 concurrent calls failing with the same token cause exactly one refresh and one retry each', async () => {
    fake.on(WecomPaths.Tag.list, () => ok({ tag_group: [] }))
    const c = client()
    await c.getToken()
    fake.valid.delete('tok-1')
    const results = await Promise.all(Array.from({ length: 20 }, () => c.tag.list()))
    expect(results).toHaveLength(20)
    expect(fake.calls(WecomPaths.Token.getToken)).toHaveLength(2)
    const used = fake.calls(WecomPaths.Tag.list).map((r) => r.query.get('access_token'))
    expect(used.filter((t) => t === 'tok-1')).toHaveLength(20)
    expect(used.filter((t) => t === 'tok-2')).toHaveLength(20)
  })

  it('42001 and 41001 renew the token too', async () => {
    fake.on(WecomPaths.Tag.list, (_r, n) =>
      n === 1 ? err(42001, 'access_token expired') : n === 3 ? err(41001, 'missing') : ok({ tag_group: [] }),
    )
    const c = client()
    await c.tag.list()
    await c.tag.list()
    expect(fake.calls(WecomPaths.Token.getToken)).toHaveLength(3)
    expect(fake.calls(WecomPaths.Tag.list).map((r) => r.query.get('access_token'))).toEqual(['tok-1', 'tok-2', 'tok-2', 'tok-3'])
  })

  it('a second token error surfaces instead of looping', async () => {
    fake.on(WecomPaths.Tag.list, () => err(40014, 'invalid access_token'))
    const e = await rejection(client().tag.list())
    expect(e).toMatchObject({ errcode: 40014, endpoint: WecomPaths.Tag.list })
    expect(fake.calls(WecomPaths.Token.getToken)).toHaveLength(2)
    expect(fake.calls(WecomPaths.Tag.list)).toHaveLength(2)
  })
})

describe('logging', () => {
  it('logs request URLs with the secret and the access token masked', async () => {
    const lines: string[] = []
    const log = pino({ level: 'debug' }, { write: (s: string) => void lines.push(s) }) as Logger
    fake.on(WecomPaths.Tag.list, (_r, n) => (n === 1 ? err(-1) : ok({ tag_group: [] })))
    await client({ log }).tag.list()
    const text = lines.join('\n')
    expect(text).toContain('/cgi-bin/gettoken?corpid=ww-test-corp&corpsecret=***')
    expect(text).toContain('/cgi-bin/externalcontact/get_corp_tag_list?access_token=***')
    expect(text).not.toContain(SECRET)
    expect(text).not.toContain('tok-1')
  })
})

describe('injection', () => {
  it('uses an injected fetchImpl for every exchange', async () => {
    const seen: string[] = []
    const fetchImpl: typeof fetch = async (input, init) => {
      seen.push(`${init?.method} ${new URL(String(input)).pathname}`)
      return fetch(input, init)
    }
    fake.on(WecomPaths.Tag.list, () => ok({ tag_group: [] }))
    await client({ fetchImpl }).tag.list()
    expect(seen).toEqual(['GET /cgi-bin/gettoken', 'POST /cgi-bin/externalcontact/get_corp_tag_list'])
  })

  it('asks the rate limiter for a slot per (corp, endpoint) before each request', async () => {
    const waits: number[] = []
    const limiter = new RateLimiter({ limit: { perMinute: 20 }, clock: new ManualClock(0), sleep: async (ms) => void waits.push(ms) })
    fake.on(WecomPaths.Tag.list, () => ok({ tag_group: [] }))
    const c = client({ limiter })
    for (let i = 0; i < 3; i++) await c.tag.list()
    // Burst of 1 per key: gettoken and the first list go at once, the next two lists wait their turn.
    expect(waits).toHaveLength(2)
    expect(waits[1]).toBeGreaterThan(waits[0])
    expect(fake.calls(WecomPaths.Tag.list)).toHaveLength(3)
  })
})
