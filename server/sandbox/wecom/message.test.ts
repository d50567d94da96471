// App messages, media upload and member OAuth: agentid checks, invalid users, 81013, multipart, single-use codes.
import request from 'supertest'
import { afterEach, describe, expect, it } from 'vitest'
import { type TestSandbox, setupSandbox } from '../testing'

let t: TestSandbox
afterEach(async () => t?.sandbox.close())

const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex')

describe('message/send', () => {
  it('delivers to valid members, reports invalid ones, 81013 when nobody is valid', async () => {
    t = setupSandbox()
    const tok = await t.token('agent')
    const agentid = t.agentApp.agentid
    const sent = await t.post(
      'message/send',
      { touser: 'alice|Ghost', msgtype: 'text', agentid, text: { content: '新客户：张三（A级意向）' } },
      tok,
    )
    expect(sent).toMatchObject({ errcode: 0, invaliduser: 'ghost', invalidparty: '', invalidtag: '' })
    expect(sent.msgid).toBeTruthy()
    expect((await t.post('message/send', { touser: 'ghost', msgtype: 'text', agentid, text: { content: 'x' } }, tok)).errcode).toBe(81013)
    expect((await t.post('message/send', { touser: 'alice', msgtype: 'text', text: { content: 'x' } }, tok)).errcode).toBe(41011)
    expect((await t.post('message/send', { touser: 'alice', msgtype: 'text', agentid: 42, text: { content: 'x' } }, tok)).errcode).toBe(
      40056,
    )
    expect(
      (await t.post('message/send', { touser: 'alice', msgtype: 'text', agentid: t.contactApp.agentid, text: { content: 'x' } }, tok))
        .errcode,
    ).toBe(301002)
    expect((await t.post('message/send', { touser: 'alice', msgtype: 'gif', agentid, gif: {} }, tok)).errcode).toBe(40008)

    const card = await t.post(
      'message/send',
      {
        toparty: '1',
        msgtype: 'textcard',
        agentid,
        textcard: { title: '任务完成', description: '外呼任务已完成', url: 'https://example.com/t/1' },
      },
      tok,
    )
    expect(card.errcode).toBe(0)
    expect(
      (await t.post('message/send', { touser: '@all', msgtype: 'textcard', agentid, textcard: { title: 't', url: 'https://x' } }, tok))
        .errcode,
    ).toBe(41033)

    const log = t.control.logs({ kind: 'app_messages' }).items as any[]
    expect(log).toHaveLength(2)
    expect(log[0]).toMatchObject({ msgtype: 'text', touser: ['alice'], invaliduser: ['ghost'] })
    expect(log[1].touser.sort()).toEqual(['alice', 'bob', 'carol', 'dave'])
    expect(log[1].body).toMatchObject({ title: '任务完成', btntxt: '详情' })
  })
})

describe('media/upload', () => {
  it('accepts a multipart image and rejects bad type, size and format', async () => {
    t = setupSandbox()
    const tok = await t.token()
    const upload = (type: string, data: Buffer, name = 'a.png') =>
      request(t.app).post('/sandbox/wecom/cgi-bin/media/upload').query({ access_token: tok, type }).attach('media', data, name)
    const ok = await upload('image', PNG)
    expect(ok.body).toMatchObject({ errcode: 0, type: 'image', created_at: String(Math.floor(t.clock.now() / 1000)) })
    expect(ok.body.media_id).toBeTruthy()
    expect((await upload('gif', PNG)).body.errcode).toBe(40005)
    expect((await upload('image', Buffer.from('12345'))).body.errcode).toBe(40006)
    expect((await upload('image', Buffer.from('not an image at all'))).body.errcode).toBe(40004)
    expect((await upload('file', Buffer.from('hello world'), 'a.txt')).body.errcode).toBe(0)

    // The media_id works in a welcome message and its image is served back.
    const { configId } = await t.customersVia(['alice'], 0)
    const scan = await t.control.scan(t.corp.corpid, { config_id: configId })
    const welcome = await t.post('externalcontact/send_welcome_msg', {
      welcome_code: scan.welcome_code,
      attachments: [{ msgtype: 'image', image: { media_id: ok.body.media_id } }],
    })
    expect(welcome.errcode).toBe(0)
    const img = await request(t.app).get(`/sandbox/wecom/media-cdn/${ok.body.media_id}`).buffer(true)
    expect(Buffer.compare(img.body, PNG)).toBe(0)
    // Temp media expire after 3 days.
    t.clock.advance(3 * 86400_000)
    const later = await t.control.scan(t.corp.corpid, { config_id: configId })
    const stale = await t.post(
      'externalcontact/send_welcome_msg',
      { welcome_code: later.welcome_code, attachments: [{ msgtype: 'image', image: { media_id: ok.body.media_id } }] },
      await t.token(),
    )
    expect(stale.errcode).toBe(40007)
  })
})

describe('member OAuth and JS-SDK tickets', () => {
  it('exchanges a code once within 5 minutes', async () => {
    t = setupSandbox()
    const tok = await t.token('agent')
    const { code } = t.control.issueOAuthCode(t.corp.corpid, { userid: 'bob' })
    expect(await t.get('auth/getuserinfo', { code }, tok)).toMatchObject({ errcode: 0, userid: 'bob' })
    expect((await t.get('auth/getuserinfo', { code }, tok)).errcode).toBe(40029)
    expect((await t.get('auth/getuserinfo', {}, tok)).errcode).toBe(41008)
    const visitor = t.control.issueOAuthCode(t.corp.corpid, { openid: 'oVisitor1' })
    expect(await t.get('auth/getuserinfo', { code: visitor.code }, tok)).toMatchObject({ errcode: 0, openid: 'oVisitor1' })
    const late = t.control.issueOAuthCode(t.corp.corpid, { userid: 'bob' })
    t.clock.advance(5 * 60_000 + 1)
    expect((await t.get('auth/getuserinfo', { code: late.code }, tok)).errcode).toBe(40029)
  })

  it('walks the authorize page back to redirect_uri with a code', async () => {
    t = setupSandbox()
    const pick = await request(t.app)
      .get('/sandbox/wecom/connect/oauth2/authorize/pick')
      .query({ appid: t.corp.corpid, redirect_uri: 'https://crm.example/h5/cb?x=1', state: 'abc', userid: 'alice' })
    expect(pick.status).toBe(302)
    const back = new URL(pick.headers.location)
    expect(back.searchParams.get('state')).toBe('abc')
    expect(back.searchParams.get('x')).toBe('1')
    expect(await t.get('auth/getuserinfo', { code: back.searchParams.get('code') as string })).toMatchObject({
      errcode: 0,
      userid: 'alice',
    })
  })

  it('returns the same jsapi ticket while valid', async () => {
    t = setupSandbox()
    const a = await t.get('get_jsapi_ticket')
    const b = await t.get('get_jsapi_ticket')
    expect(a).toMatchObject({ errcode: 0, expires_in: 7200 })
    expect(b.ticket).toBe(a.ticket)
    expect((await t.get('ticket/get', { type: 'agent_config' })).ticket).toBeTruthy()
  })
})
