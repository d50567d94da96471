// Callbacks against a real local receiver: signature, decryption with our crypto, event fields, 3 identical tries.
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import request from 'supertest'
import { afterEach, describe, expect, it } from 'vitest'
import { decryptMessage, generateEncodingAesKey, verifyMsgSignature } from '../platform/crypto'
import { type XmlObject, parseXml } from '../platform/xml'
import { type TestSandbox, setupSandbox } from './testing'

interface Received {
  method: string
  url: string
  body: string
  event?: XmlObject
  signatureOk?: boolean
}

type Behaviour = (n: number, req: IncomingMessage, res: ServerResponse, echo?: string) => void

const TOKEN = 'SandboxToken1'

/** A callback endpoint like the product's: verifies msg_signature, decrypts with receiveid = corpid, parses the XML. */
async function startReceiver(key: string, corpid: string, behave: Behaviour = (_n, _req, res, echo) => res.end(echo ?? '')) {
  const received: Received[] = []
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => (body += c))
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x')
      const q = Object.fromEntries(url.searchParams)
      const entry: Received = { method: req.method ?? '', url: req.url ?? '', body }
      received.push(entry)
      if (req.method === 'GET') {
        entry.signatureOk = verifyMsgSignature(TOKEN, q.timestamp, q.nonce, q.echostr, q.msg_signature)
        const echo = decryptMessage(key, q.echostr, corpid).message
        behave(received.length, req, res, echo)
        return
      }
      const envelope = parseXml(body)
      const encrypt = envelope.Encrypt as string
      entry.signatureOk = verifyMsgSignature(TOKEN, q.timestamp, q.nonce, encrypt, q.msg_signature) && envelope.ToUserName === corpid
      entry.event = parseXml(decryptMessage(key, encrypt, corpid).message)
      behave(received.length, req, res)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/wework/callback?org=1`
  return {
    url,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

let t: TestSandbox
let receiver: Awaited<ReturnType<typeof startReceiver>> | undefined
afterEach(async () => {
  await t?.sandbox.close()
  await receiver?.close()
  receiver = undefined
})

async function withReceiver(behave?: Behaviour, opts: Parameters<typeof setupSandbox>[0] = {}) {
  t = setupSandbox(opts)
  const key = generateEncodingAesKey()
  receiver = await startReceiver(key, t.corp.corpid, behave)
  const r = await request(t.app)
    .put(`/sandbox/control/corps/${t.corp.corpid}/callback`)
    .send({ url: receiver.url, token: TOKEN, encodingAesKey: key })
  expect(r.status).toBe(200)
  return receiver
}

describe('callbacks', () => {
  it('verifies the URL with an encrypted echostr', async () => {
    const rx = await withReceiver()
    const r = await request(t.app).post(`/sandbox/control/corps/${t.corp.corpid}/verify-url`)
    expect(r.body).toMatchObject({ ok: true, status: 200 })
    expect(rx.received[0]).toMatchObject({ method: 'GET', signatureOk: true })
    expect(r.body.body).toBe(r.body.expected)
  })

  it('reports a receiver that answers the wrong echo', async () => {
    await withReceiver((_n, _req, res) => res.end('success'))
    const r = await t.control.verifyUrl(t.corp.corpid)
    expect(r).toMatchObject({ ok: false, status: 200, body: 'success' })
  })

  it('sends add_external_contact exactly as WeCom does, and the welcome code works within 20 s', async () => {
    const rx = await withReceiver()
    const way = await t.post('externalcontact/add_contact_way', { type: 1, scene: 2, user: ['alice'], state: 'xiaohongshu' })
    const scan = (
      await request(t.app)
        .post(`/sandbox/control/corps/${t.corp.corpid}/scan`)
        .send({ config_id: way.config_id, customer: { name: '小红' } })
    ).body
    expect(scan.delivery).toMatchObject({
      status: 'delivered',
      kind: 'change_external_contact:add_external_contact',
      attempts: [{ attempt: 1, status: 200 }],
    })
    expect(rx.received).toHaveLength(1)
    const got = rx.received[0]
    expect(got.signatureOk).toBe(true)
    expect(got.url).toContain('/api/wework/callback?org=1&msg_signature=')
    expect(got.body).toMatch(
      /^<xml><ToUserName><!\[CDATA\[[^\]]+\]\]><\/ToUserName><AgentID><!\[CDATA\[\d+\]\]><\/AgentID><Encrypt><!\[CDATA\[/,
    )
    expect(got.event).toEqual({
      ToUserName: t.corp.corpid,
      FromUserName: 'sys',
      CreateTime: String(Math.floor(t.clock.now() / 1000)),
      MsgType: 'event',
      Event: 'change_external_contact',
      ChangeType: 'add_external_contact',
      UserID: 'alice',
      ExternalUserID: scan.external_userid,
      State: 'xiaohongshu',
      WelcomeCode: scan.welcome_code,
    })
    const customer = await t.get('externalcontact/get', { external_userid: scan.external_userid })
    expect(customer.external_contact.name).toBe('小红')
    t.clock.advance(5_000)
    expect(
      (await t.post('externalcontact/send_welcome_msg', { welcome_code: got.event?.WelcomeCode, text: { content: '欢迎' } })).errcode,
    ).toBe(0)
  })

  it('tries 3 times with the identical request when the receiver never answers in time', async () => {
    const rx = await withReceiver(() => undefined, { callbackTimeoutMs: 150 })
    const { configId } = await t.customersVia(['alice'], 0)
    const t0 = performance.now()
    const scan = await t.control.scan(t.corp.corpid, { config_id: configId })
    expect(performance.now() - t0).toBeGreaterThanOrEqual(3 * 145)
    expect(scan.delivery?.status).toBe('failed')
    expect(scan.delivery?.attempts.map((a) => [a.attempt, a.status])).toEqual([
      [1, null],
      [2, null],
      [3, null],
    ])
    expect(scan.delivery?.attempts[0].error).toMatch(/no answer within 150 ms/)
    expect(rx.received).toHaveLength(3)
    expect(new Set(rx.received.map((r) => r.url)).size).toBe(1)
    expect(new Set(rx.received.map((r) => r.body)).size).toBe(1)
    expect(rx.received.every((r) => r.signatureOk)).toBe(true)
    expect(t.control.logs({ kind: 'callbacks' }).items).toHaveLength(1)
  })

  it('retries non-200 answers, and stops at the first 200', async () => {
    const rx = await withReceiver((n, _req, res) => {
      res.statusCode = n === 1 || n === 3 ? 500 : n === 4 || n === 5 ? 503 : 200
      res.end('')
    })
    const { configId } = await t.customersVia(['alice'], 0)
    const first = await t.control.scan(t.corp.corpid, { config_id: configId })
    expect(first.delivery?.status).toBe('delivered')
    expect(first.delivery?.attempts.map((a) => a.status)).toEqual([500, 200])
    const second = await t.control.scan(t.corp.corpid, { config_id: configId })
    expect(second.delivery?.status).toBe('failed')
    expect(second.delivery?.attempts.map((a) => a.status)).toEqual([500, 503, 503])
    expect(rx.received.slice(2).map((r) => r.body)).toEqual([rx.received[2].body, rx.received[2].body, rx.received[2].body])
  })

  it('sends the other customer-contact, tag and message events', async () => {
    const rx = await withReceiver()
    const { ids } = await t.customersVia(['alice'], 1)
    const ext = ids[0]
    const g = (await t.post('externalcontact/add_corp_tag', { group_name: '客户等级', tag: [{ name: 'A' }, { name: 'B' }] })).tag_group
    await t.control.editContact(t.corp.corpid, { userid: 'alice', external_userid: ext, remark: '老客户', add_tag: [g.tag[0].id] })
    await t.control.customerDeletesStaff(t.corp.corpid, { userid: 'alice', external_userid: ext })
    await t.control.staffDeletesCustomer(t.corp.corpid, { userid: 'alice', external_userid: ext, source: 'DELETE_BY_TRANSFER' })
    const created = await t.control.tagChange(t.corp.corpid, {
      change_type: 'create',
      tag_type: 'tag_group',
      group_name: '会员等级',
      tags: ['金卡', '银卡'],
    })
    await t.control.tagChange(t.corp.corpid, { change_type: 'shuffle', group_id: g.group_id, ids: [g.tag[1].id, g.tag[0].id] })
    await t.control.tagChange(t.corp.corpid, { change_type: 'delete', id: g.tag[0].id })
    const msg = await t.control.inboundMessage(t.corp.corpid, { userid: 'bob', content: '今天有几位新客户？' })
    await t.control.chatEvent(t.corp.corpid, {
      chat_id: 'wrOgQhDgAAMYQiS5ol9G7gK9JVAAAA',
      change_type: 'update',
      update_detail: 'add_member',
      join_scene: 3,
      mem_change_cnt: 2,
    })

    const events = rx.received.slice(1).map((r) => r.event as XmlObject)
    expect(events.map((e) => [e.Event ?? e.MsgType, e.ChangeType])).toEqual([
      ['change_external_contact', 'edit_external_contact'],
      ['change_external_contact', 'del_follow_user'],
      ['change_external_contact', 'del_external_contact'],
      ['change_external_tag', 'create'],
      ['change_external_tag', 'shuffle'],
      ['change_external_tag', 'delete'],
      ['text', undefined],
      ['change_external_chat', 'update'],
    ])
    expect(events[2]).toMatchObject({ UserID: 'alice', ExternalUserID: ext, Source: 'DELETE_BY_TRANSFER' })
    expect(events[3]).toMatchObject({ Id: created.id, TagType: 'tag_group' })
    expect(events[4].TagType).toBeUndefined()
    expect(events[5]).toMatchObject({ Id: g.tag[0].id, TagType: 'tag' })
    expect(events[6]).toMatchObject({
      ToUserName: t.corp.corpid,
      FromUserName: 'bob',
      MsgType: 'text',
      Content: '今天有几位新客户？',
      MsgId: String(msg.msgid),
      AgentID: String(t.agentApp.agentid),
    })
    expect(events[7]).toMatchObject({
      FromUserName: 'sys',
      ChatId: 'wrOgQhDgAAMYQiS5ol9G7gK9JVAAAA',
      UpdateDetail: 'add_member',
      JoinScene: '3',
      MemChangeCnt: '2',
    })
    expect(rx.received.every((r) => r.signatureOk)).toBe(true)

    // The console changes are visible through the API too.
    const tags = await t.post('externalcontact/get_corp_tag_list', {})
    expect(tags.tag_group.map((x: any) => x.group_name).sort()).toEqual(['会员等级', '客户等级'])
  })

  it('returns at once with a pending delivery when asked not to wait', async () => {
    const rx = await withReceiver((_n, _req, res) => setTimeout(() => res.end(''), 100))
    const { configId } = await t.customersVia(['alice'], 0)
    const scan = await t.control.scan(t.corp.corpid, { config_id: configId, wait: false })
    expect(scan.delivery?.status).toBe('pending')
    await new Promise((r) => setTimeout(r, 300))
    expect(scan.delivery?.status).toBe('delivered')
    expect(rx.received).toHaveLength(1)
  })
})
