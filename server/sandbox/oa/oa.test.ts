// The OA emulator over HTTP: stable_token's rotation and force rules, the authorize page, token errors, the control API and events.
import { createServer } from 'node:http'
import request from 'supertest'
import { describe, expect, it, vi } from 'vitest'
import { decryptMessage, msgSignature, plainSignature } from '../../platform/crypto'
import { parseXml } from '../../platform/xml'
import { setupSandbox } from '../testing'
import { ROTATE_BEFORE_MS } from './token'

function setup() {
  const t = setupSandbox({ tokenTtlSec: 7200 })
  const account = t.control.createOaAccount({ name: '测试公众号', oauth_domain: 'h5.clinic.test' })
  const stable = async (force = false, over: Record<string, unknown> = {}) =>
    (
      await request(t.app)
        .post('/sandbox/oa/cgi-bin/stable_token')
        .send({ grant_type: 'client_credential', appid: account.appid, secret: account.secret, force_refresh: force, ...over })
    ).body as Record<string, any>
  const list = async (token: string) =>
    (await request(t.app).get('/sandbox/oa/cgi-bin/template/get_all_private_template').query({ access_token: token })).body as Record<
      string,
      any
    >
  return { ...t, account, stable, list }
}

describe('stable_token', () => {
  it('normal mode answers the same token until the rotation window, then a new one while the old still works', async () => {
    const s = setup()
    const a = await s.stable()
    expect(a.expires_in).toBe(7200)
    s.clock.advance(3600_000)
    const b = await s.stable()
    expect(b).toEqual({ access_token: a.access_token, expires_in: 3600 })
    s.clock.advance(3600_000 - ROTATE_BEFORE_MS + 1000)
    const c = await s.stable()
    expect(c.access_token).not.toBe(a.access_token)
    expect(c.expires_in).toBe(7200)
    expect((await s.list(a.access_token)).errcode).toBeUndefined()
    s.clock.advance(ROTATE_BEFORE_MS)
    expect((await s.list(a.access_token)).errcode).toBe(42001)
  })

  it('force_refresh invalidates the old token (40001) and is refused within 30 s', async () => {
    const s = setup()
    const a = await s.stable()
    const b = await s.stable(true)
    expect(b.access_token).not.toBe(a.access_token)
    expect((await s.list(a.access_token)).errcode).toBe(40001)
    expect((await s.stable(true)).errcode).toBe(45011)
    s.clock.advance(30_000)
    expect((await s.stable(true)).access_token).toBeDefined()
  })

  it('checks grant_type, appid, secret and the IP allowlist in that order', async () => {
    const s = setup()
    expect((await s.stable(false, { grant_type: 'x' })).errcode).toBe(40002)
    expect((await s.stable(false, { appid: '' })).errcode).toBe(41002)
    expect((await s.stable(false, { appid: 'wx0000000000000000' })).errcode).toBe(40013)
    expect((await s.stable(false, { secret: 'wrong' })).errcode).toBe(40125)
    const locked = s.control.createOaAccount({ name: '白名单', oauth_domain: 'x.test', ip_whitelist: ['10.0.0.1'] })
    const r = await s.stable(false, { appid: locked.appid, secret: locked.secret })
    expect(r.errcode).toBe(40164)
    expect(r.errmsg).toMatch(/invalid ip .* not in whitelist/)
  })

  it('a missing token is 41001; an unknown path says it is not emulated', async () => {
    const s = setup()
    expect((await request(s.app).get('/sandbox/oa/cgi-bin/user/info')).body.errcode).toBe(41001)
    const r = await request(s.app).get('/sandbox/oa/cgi-bin/user/get')
    expect(r.status).toBe(404)
  })
})

describe('the authorize page', () => {
  const query = (appid: string, over: Record<string, string> = {}) => ({
    appid,
    redirect_uri: 'https://h5.clinic.test/bind?from=menu',
    response_type: 'code',
    scope: 'snsapi_base',
    state: 'abc123',
    ...over,
  })

  it('lists the fans and, on a pick, redirects with a one-use code for that openid', async () => {
    const s = setup()
    const fan = s.control.addOaFan(s.account.appid, { nickname: '李娜' })
    const page = await request(s.app).get('/sandbox/oa/connect/oauth2/authorize').query(query(s.account.appid))
    expect(page.status).toBe(200)
    expect(page.text).toContain('李娜')
    const r = await request(s.app)
      .post('/sandbox/oa/connect/oauth2/authorize')
      .type('form')
      .send({ ...query(s.account.appid), openid: fan.openid })
    expect(r.status).toBe(302)
    const loc = new URL(r.headers.location)
    expect(`${loc.origin}${loc.pathname}`).toBe('https://h5.clinic.test/bind')
    expect(loc.searchParams.get('from')).toBe('menu')
    expect(loc.searchParams.get('state')).toBe('abc123')
    const exchange = (code: string) =>
      request(s.app)
        .get('/sandbox/oa/sns/oauth2/access_token')
        .query({ appid: s.account.appid, secret: s.account.secret, code, grant_type: 'authorization_code' })
    const first = await exchange(loc.searchParams.get('code')!)
    expect(first.body.openid).toBe(fan.openid)
    expect((await exchange(loc.searchParams.get('code')!)).body.errcode).toBe(40163)
  })

  it('creates a new WeChat user, not following unless ticked', async () => {
    const s = setup()
    const r = await request(s.app)
      .post('/sandbox/oa/connect/oauth2/authorize')
      .type('form')
      .send({ ...query(s.account.appid), nickname: '新用户' })
    expect(r.status).toBe(302)
    const fans = s.control.listOaFans(s.account.appid)
    expect(fans).toHaveLength(1)
    expect(fans[0]).toMatchObject({ nickname: '新用户', subscribed: false })
  })

  it('refuses a redirect_uri outside the OAuth domain (10003) and an unknown scope (10005)', async () => {
    const s = setup()
    const off = await request(s.app)
      .get('/sandbox/oa/connect/oauth2/authorize')
      .query(query(s.account.appid, { redirect_uri: 'https://evil.test/h5.clinic.test' }))
    expect(off.status).toBe(400)
    expect(off.text).toContain('10003')
    const sub = await request(s.app)
      .post('/sandbox/oa/connect/oauth2/authorize')
      .type('form')
      .send({ ...query(s.account.appid, { redirect_uri: 'https://a.h5.clinic.test/' }), nickname: 'x' })
    expect(sub.status).toBe(400)
    expect(s.control.listOaFans(s.account.appid)).toHaveLength(0)
    const scope = await request(s.app)
      .get('/sandbox/oa/connect/oauth2/authorize')
      .query(query(s.account.appid, { scope: 'snsapi_login' }))
    expect(scope.text).toContain('10005')
    expect(() => s.control.oaAuthorize(s.account.appid, { redirect_uri: 'https://evil.test/' })).toThrow(/10003/)
  })

  it('escapes what it echoes into the page', async () => {
    const s = setup()
    s.control.addOaFan(s.account.appid, { nickname: '<script>x</script>' })
    const page = await request(s.app).get('/sandbox/oa/connect/oauth2/authorize').query(query(s.account.appid))
    expect(page.text).not.toContain('<script>x')
  })
})

describe('the OA control API over HTTP', () => {
  it('creates an account, follows and unfollows a fan, reads sent messages', async () => {
    const s = setup()
    const acc = (await request(s.app).post('/sandbox/control/oa/accounts').send({ name: '控制台', oauth_domain: 'c.test' })).body
    expect(acc.appid).toMatch(/^wx[0-9a-f]{16}$/)
    expect(acc.templates).toHaveLength(2)
    const fan = (await request(s.app).post(`/sandbox/control/oa/accounts/${acc.appid}/fans`).send({ nickname: '王芳', subscribed: false }))
      .body
    const followed = (await request(s.app).post(`/sandbox/control/oa/accounts/${acc.appid}/fans/${fan.openid}/follow`)).body
    expect(followed.fan.subscribed).toBe(true)
    const un = (await request(s.app).post(`/sandbox/control/oa/accounts/${acc.appid}/fans/${fan.openid}/unfollow`)).body
    expect(un.fan.subscribed).toBe(false)
    expect(un.delivery).toBeNull()
    expect((await request(s.app).get(`/sandbox/control/oa/accounts/${acc.appid}/template-messages`)).body).toEqual([])
    expect((await request(s.app).get('/sandbox/control/oa/accounts/wx0000000000000000/fans')).status).toBe(404)
  })
})

describe('OA events to the server URL', () => {
  it('subscribe, unsubscribe and TEMPLATESENDJOBFINISH arrive encrypted for the AppID, signed both ways', async () => {
    const received: { query: URLSearchParams; body: string }[] = []
    const srv = createServer((req, res) => {
      let body = ''
      req.on('data', (c: Buffer) => (body += c.toString()))
      req.on('end', () => {
        received.push({ query: new URL(req.url!, 'http://x').searchParams, body })
        res.end('success')
      })
    })
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
    try {
      const s = setup()
      const port = (srv.address() as { port: number }).port
      const { callback } = s.control.setOaCallback(s.account.appid, { url: `http://127.0.0.1:${port}/api/wechat/callback` })
      const fan = s.control.addOaFan(s.account.appid, { nickname: '李娜', subscribed: false })
      const followed = await s.control.followOa(s.account.appid, fan.openid)
      expect(followed.delivery?.status).toBe('delivered')

      const token = (await s.stable()).access_token as string
      const categoryId = s.account.templates.find((t) => t.title === '新客户线索通知')!.template_id
      const sent = await request(s.app)
        .post('/sandbox/oa/cgi-bin/message/template/send')
        .query({ access_token: token })
        .send({
          touser: fan.openid,
          template_id: categoryId,
          client_msg_id: 'ev-1',
          data: {
            thing1: { value: '张女士' },
            time2: { value: '2026-11-21 10:00' },
            phrase3: { value: '高意向' },
            character_string4: { value: 'A1' },
          },
        })
      expect(sent.body.errcode).toBe(0)
      await s.control.unfollowOa(s.account.appid, fan.openid)
      await vi.waitFor(() => expect(received).toHaveLength(3))

      const events = received.map(({ query, body }) => {
        const encrypt = String(parseXml(body).Encrypt)
        expect(parseXml(body).ToUserName).toBe(s.account.gh_id)
        expect(query.get('encrypt_type')).toBe('aes')
        expect(query.get('openid')).toBe(fan.openid)
        expect(query.get('signature')).toBe(plainSignature(callback!.token, query.get('timestamp')!, query.get('nonce')!))
        expect(query.get('msg_signature')).toBe(msgSignature(callback!.token, query.get('timestamp')!, query.get('nonce')!, encrypt))
        return parseXml(decryptMessage(callback!.encodingAesKey, encrypt, s.account.appid).message)
      })
      const byEvent = Object.fromEntries(events.map((e) => [String(e.Event), e]))
      expect(Object.keys(byEvent).sort()).toEqual(['TEMPLATESENDJOBFINISH', 'subscribe', 'unsubscribe'])
      expect(byEvent.TEMPLATESENDJOBFINISH).toMatchObject({ FromUserName: fan.openid, Status: 'success', MsgType: 'event' })
      expect(String(byEvent.TEMPLATESENDJOBFINISH.MsgID)).toBe(String(sent.body.msgid))
      await s.sandbox.close()
    } finally {
      await new Promise((r) => srv.close(r))
    }
  })
})
