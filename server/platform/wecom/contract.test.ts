// Contract tests: every client function against the real sandbox over HTTP — shapes accepted, replies parse, errors and retries behave.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import express from 'express'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { DbHandle } from '../../db/connect'
import { ManualClock } from '../../lib/clock'
import { silentLogger } from '../../lib/logger'
import { SecretBox } from '../../lib/secret-box'
import { createSandbox, type Sandbox } from '../../sandbox/index'
import { TEST_MEMBERS } from '../../sandbox/testing'
import { wecomEndpoints } from '../../sandbox/wecom/router'
import { createTestDb } from '../../testing/test-db'
import { PlatformError, PlatformTransportError } from '../errors'
import { TokenCenter } from '../token-center'
import { createWecomClient, type WecomClient, type WecomClientOptions } from './client'
import { allWecomPaths, WecomPaths, type WecomPath } from './paths'
import type { GroupMsgSendRow, GroupMsgTask } from './group-msg.types'
import { wecomResponseSchemas } from './response-schemas'

/** A 1×1 PNG: the sandbox checks the signature, as WeCom checks the format. */
const PNG_1X1 = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64')

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
  // Created after listen: QR and avatar URLs are built from the address the sandbox is really reached at.
  sandbox = createSandbox({ publicBaseUrl: baseUrl, seed: 'none', clock, callbackRetryDelayMs: 0 })
  app.use('/sandbox', sandbox.router)
  tokens = new TokenCenter({
    db: handle.db,
    clock,
    secrets: new SecretBox('contract-test'),
    log: silentLogger,
    instanceId: 'contract',
    pollMs: 5,
  })
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

/** One HTTP exchange as the client saw it, path relative to the API base (/cgi-bin/…). */
interface Exchange {
  method: string
  path: string
  status: number
  body: Record<string, any>
}

const GETTOKEN = WecomPaths.Token.getToken
let orgSeq = 0

/**
 * A fresh sandbox corp with clients for its two apps. Each world has its own org id, so tokens never leak between
 * tests; every exchange is recorded by wrapping the global fetch, and every pause the client takes is recorded
 * (and skipped) through the injected sleep.
 */
function world(over: Partial<WecomClientOptions> = {}) {
  const corp = sandbox.control.createCorp({ name: `契约测试诊所${++orgSeq}`, members: TEST_MEMBERS })
  const orgId = 1000 + orgSeq
  const exchanges: Exchange[] = []
  const sleeps: number[] = []
  /** Runs once per pause, e.g. to lift a fault "while the client waits". */
  let onSleep: (() => void) | undefined
  const fetchImpl: typeof fetch = async (input, init) => {
    const res = await fetch(input, init)
    const text = await res.clone().text()
    let body: Record<string, any>
    try {
      body = JSON.parse(text)
    } catch {
      body = { text }
    }
    exchanges.push({
      method: init?.method ?? 'GET',
      path: new URL(String(input)).pathname.replace(/^\/sandbox\/wecom/, ''),
      status: res.status,
      body,
    })
    return res
  }
  const client = (kind: 'contact' | 'agent', secret?: string): WecomClient =>
    createWecomClient({
      baseUrl: `${baseUrl}/sandbox/wecom`,
      orgId,
      corpId: corp.corpid,
      secret: secret ?? corp.apps.find((a) => a.kind === kind)!.secret,
      app: `wecom:${kind}`,
      tokens,
      log: silentLogger,
      fetchImpl,
      timeoutMs: 2000,
      random: () => 0.5,
      sleep: async (ms) => {
        sleeps.push(ms)
        onSleep?.()
      },
      ...over,
    })
  return {
    corp,
    corpid: corp.corpid,
    agentid: corp.apps.find((a) => a.kind === 'agent')!.agentid,
    contact: client('contact'),
    agent: client('agent'),
    client,
    exchanges,
    sleeps,
    set onSleep(fn: (() => void) | undefined) {
      onSleep = fn
    },
    /** Exchanges with one path. */
    calls: (path: WecomPath) => exchanges.filter((e) => e.path === path),
  }
}
type World = ReturnType<typeof world>

/**
 * Runs one client call and checks every exchange it made: HTTP 200, errcode 0 (the sandbox accepted the request
 * shape), a catalogued path, and a body that parses with the client's schema for that path.
 */
async function accepted<T>(w: World, path: WecomPath, fn: () => Promise<T>): Promise<T> {
  const from = w.exchanges.length
  const result = await fn()
  const mine = w.exchanges.slice(from)
  expect(
    mine.map((e) => e.path),
    `${path} was called`,
  ).toContain(path)
  for (const e of mine) {
    expect(e.status, `${e.path}: HTTP status`).toBe(200)
    expect(e.body.errcode, `${e.path}: ${e.body.errmsg}`).toBe(0)
    const schema = wecomResponseSchemas[e.path as WecomPath]
    expect(schema, `${e.path} is in the catalogue`).toBeDefined()
    const parsed = schema.safeParse(e.body)
    expect(parsed.success ? [] : parsed.error.issues, `${e.path}: reply parses with the client's schema`).toEqual([])
  }
  return result
}

/** The call fails with a PlatformError carrying the sandbox's errcode and our Chinese hint, after exactly one try. */
async function rejectsWith(w: World, path: WecomPath, errcode: number, hint: string, fn: () => Promise<unknown>) {
  const from = w.calls(path).length
  const err = await fn().then(
    () => null,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(PlatformError)
  expect(err).toMatchObject({ platform: 'wecom', endpoint: path, errcode, hint })
  expect((err as PlatformError).errmsg).toContain(`devtool/query?e=${errcode}`)
  const tries = w.calls(path).slice(from)
  expect(
    tries.map((e) => e.body.errcode),
    `${path}: answered once, not retried`,
  ).toEqual([errcode])
  return err as PlatformError
}

/** A contact way of one member and `n` customers who scanned it. */
async function customersOf(w: World, userid: string, n: number, state = 'contract') {
  const { config_id } = await w.contact.contactWay.add({ type: 1, scene: 2, user: [userid], state })
  const scans = []
  for (let i = 0; i < n; i++) scans.push(await sandbox.control.scan(w.corpid, { config_id }))
  return { configId: config_id, ids: scans.map((s) => s.external_userid), welcomeCodes: scans.map((s) => s.welcome_code) }
}

const counters = (endpoint: string) => sandbox.control.getCounters().endpoints[endpoint] ?? { calls: 0, ok: 0, errors: {} }

describe('every client function against the sandbox', () => {
  it('token: gettoken answers the documented fields, and getToken caches what it returns', async () => {
    const w = world()
    const raw = await accepted(w, GETTOKEN, () => w.contact.gettoken())
    expect(raw.expires_in).toBe(7200)
    expect(raw.access_token.length).toBeGreaterThanOrEqual(64)
    // The sandbox hands out the same token while it is valid, so the token center stores exactly that one.
    expect(await w.contact.getToken()).toBe(raw.access_token)
    expect(await w.contact.getToken()).toBe(raw.access_token)
    expect(w.calls(GETTOKEN)).toHaveLength(2)
  })

  it('contact ways: add (both scenes), get, list, iterate, update, del', async () => {
    const w = world()
    const P = WecomPaths.ContactWay
    const qr = await accepted(w, P.add, () =>
      w.contact.contactWay.add({ type: 1, scene: 2, user: ['alice'], state: 'xiaohongshu', remark: '小红书' }),
    )
    expect(qr.qr_code).toBe(`${baseUrl}/sandbox/wecom/qr/${qr.config_id}.png`)
    const button = await accepted(w, P.add, () =>
      w.contact.contactWay.add({ type: 2, scene: 1, style: 1, user: ['alice', 'bob'], party: [1], skip_verify: false }),
    )
    expect(button.qr_code).toBeUndefined()

    const got = await accepted(w, P.get, () => w.contact.contactWay.get(qr.config_id))
    expect(got.contact_way).toMatchObject({
      config_id: qr.config_id,
      type: 1,
      scene: 2,
      state: 'xiaohongshu',
      remark: '小红书',
      user: ['alice'],
      skip_verify: true,
    })
    expect((await accepted(w, P.get, () => w.contact.contactWay.get(button.config_id))).contact_way).toMatchObject({
      scene: 1,
      style: 1,
      party: [1],
    })

    const listed = await accepted(w, P.list, () => w.contact.contactWay.list())
    expect(listed.contact_way.map((c) => c.config_id)).toEqual([qr.config_id, button.config_id])
    const walked: string[] = []
    await accepted(w, P.list, async () => {
      for await (const id of w.contact.contactWay.iterate({ limit: 1 })) walked.push(id)
    })
    expect(walked).toEqual([qr.config_id, button.config_id])

    await accepted(w, P.update, () =>
      w.contact.contactWay.update({ config_id: qr.config_id, remark: '小红书-春季', user: ['bob'], state: 'xhs2' }),
    )
    expect((await w.contact.contactWay.get(qr.config_id)).contact_way).toMatchObject({
      remark: '小红书-春季',
      user: ['bob'],
      state: 'xhs2',
    })

    await accepted(w, P.del, () => w.contact.contactWay.del(button.config_id))
    await rejectsWith(w, P.get, 40058, '参数不符合接口要求（例如列表超长）', () => w.contact.contactWay.get(button.config_id))
  })

  it('temp chat: a temp-chat way, a scan, then closeTempChat sends the conclusions', async () => {
    const w = world()
    const way = await accepted(w, WecomPaths.ContactWay.add, () =>
      w.contact.contactWay.add({
        type: 1,
        scene: 2,
        user: ['alice'],
        is_temp: true,
        expires_in: 3600,
        chat_expires_in: 7200,
        conclusions: { text: { content: '感谢咨询' } },
      }),
    )
    const got = await accepted(w, WecomPaths.ContactWay.get, () => w.contact.contactWay.get(way.config_id))
    expect(got.contact_way).toMatchObject({
      is_temp: true,
      expires_in: 3600,
      chat_expires_in: 7200,
      conclusions: { text: { content: '感谢咨询' } },
    })
    const { external_userid } = await sandbox.control.scan(w.corpid, { config_id: way.config_id })
    await accepted(w, WecomPaths.ContactWay.closeTempChat, () => w.contact.contactWay.closeTempChat({ userid: 'alice', external_userid }))
    const log = sandbox.control.logs({ kind: 'temp_chat', corpid: w.corpid }).items
    expect(log).toMatchObject([{ userid: 'alice', external_userid, conclusions: { text: { content: '感谢咨询' } } }])
  })

  it('customers: follow users, per-member list, detail (merged or one page), batch by member, iterate, remark', async () => {
    const w = world()
    const P = WecomPaths.ExternalContact
    const alice = await customersOf(w, 'alice', 3, 'douyin')
    const bob = await customersOf(w, 'bob', 2)

    const follow = await accepted(w, P.getFollowUserList, () => w.contact.externalContact.getFollowUserList())
    expect(follow.follow_user.sort()).toEqual(['alice', 'bob', 'carol'])
    expect((await accepted(w, P.list, () => w.contact.externalContact.list('alice'))).external_userid).toEqual(alice.ids)

    const detail = await accepted(w, P.get, () => w.contact.externalContact.get(alice.ids[0]))
    expect(detail.external_contact.external_userid).toBe(alice.ids[0])
    expect(detail.follow_user).toMatchObject([{ userid: 'alice', state: 'douyin', add_way: 1, oper_userid: alice.ids[0] }])
    expect(detail).not.toHaveProperty('next_cursor')
    const onePage = await accepted(w, P.get, () => w.contact.externalContact.get(alice.ids[0], { allPages: false }))
    expect(onePage.follow_user).toHaveLength(1)

    const page = await accepted(w, P.batchGetByUser, () =>
      w.contact.externalContact.batchGetByUser({ userid_list: ['alice', 'bob'], limit: 2 }),
    )
    expect(page.external_contact_list).toHaveLength(2)
    expect(page.next_cursor).toBeTruthy()
    const rows: string[] = []
    await accepted(w, P.batchGetByUser, async () => {
      for await (const row of w.contact.externalContact.iterateByUser({ userid_list: ['alice', 'bob'], limit: 2 }))
        rows.push(`${row.follow_info.userid}:${row.external_contact.external_userid}`)
    })
    expect(rows).toEqual([...alice.ids.map((id) => `alice:${id}`), ...bob.ids.map((id) => `bob:${id}`)])

    await accepted(w, P.remark, () =>
      w.contact.externalContact.remark({
        userid: 'alice',
        external_userid: alice.ids[0],
        remark: '老客户',
        description: '偏好周末',
        remark_mobiles: ['13800000000'],
      }),
    )
    expect((await w.contact.externalContact.get(alice.ids[0])).follow_user[0]).toMatchObject({
      remark: '老客户',
      description: '偏好周末',
      remark_mobiles: ['13800000000'],
    })
  })

  it('tags: add, list (all and by group), edit, mark, del', async () => {
    const w = world()
    const P = WecomPaths.Tag
    const { ids } = await customersOf(w, 'alice', 1)
    const added = await accepted(w, P.add, () =>
      w.contact.tag.add({ group_name: '意向项目', order: 5, tag: [{ name: '玻尿酸' }, { name: '热玛吉', order: 3 }] }),
    )
    const [hyaluronic, thermage] = added.tag_group.tag
    expect(added.tag_group.tag.map((t) => t.name)).toEqual(['玻尿酸', '热玛吉'])

    expect((await accepted(w, P.list, () => w.contact.tag.list())).tag_group.map((g) => g.group_name)).toEqual(['意向项目'])
    const byGroup = await accepted(w, P.list, () => w.contact.tag.list({ group_id: [added.tag_group.group_id] }))
    expect(byGroup.tag_group[0].tag.map((t) => t.id).sort()).toEqual([hyaluronic.id, thermage.id].sort())

    await accepted(w, P.edit, () => w.contact.tag.edit({ id: thermage.id, name: '水光针', order: 9 }))
    await accepted(w, P.mark, () => w.contact.tag.mark({ userid: 'alice', external_userid: ids[0], add_tag: [hyaluronic.id, thermage.id] }))
    const tagged = await w.contact.externalContact.get(ids[0])
    expect(tagged.follow_user[0].tags?.map((t) => t.tag_name).sort()).toEqual(['水光针', '玻尿酸'])

    await accepted(w, P.del, () => w.contact.tag.del({ tag_id: [hyaluronic.id] }))
    const left = await w.contact.tag.list({ tag_id: [hyaluronic.id, thermage.id] })
    expect(
      left.tag_group
        .flatMap((g) => g.tag)
        .filter((t) => !t.deleted)
        .map((t) => t.id),
    ).toEqual([thermage.id])
  })

  it('media and welcome: an uploaded image goes out as an attachment of the welcome message', async () => {
    const w = world()
    const { ids, welcomeCodes } = await customersOf(w, 'alice', 1)
    const media = await accepted(w, WecomPaths.Media.upload, () => w.contact.media.uploadImage(PNG_1X1, '欢迎.png'))
    expect(media.type).toBe('image')
    await accepted(w, WecomPaths.Welcome.send, () =>
      w.contact.welcome.send({
        welcome_code: welcomeCodes[0],
        text: { content: '您好，欢迎咨询' },
        attachments: [
          { msgtype: 'image', image: { media_id: media.media_id } },
          { msgtype: 'link', link: { title: '到院指引', url: 'https://clinic.example/route' } },
        ],
      }),
    )
    expect(sandbox.control.logs({ kind: 'welcome', corpid: w.corpid }).items).toMatchObject([
      { userid: 'alice', external_userid: ids[0], text: { content: '您好，欢迎咨询' } },
    ])
  })

  it('group messages: addTemplate, list/iterate, tasks, send results, remind, cancel', async () => {
    const w = world()
    const P = WecomPaths.GroupMsg
    const { ids } = await customersOf(w, 'alice', 2)
    const first = await accepted(w, P.addTemplate, () =>
      w.contact.groupMsg.addTemplate({ external_userid: [...ids, 'wmNotACustomer'], text: { content: '春季活动' } }),
    )
    expect(first.fail_list).toEqual(['wmNotACustomer'])
    const second = await accepted(w, P.addTemplate, () =>
      w.contact.groupMsg.addTemplate({ sender: 'alice', text: { content: '复诊提醒' } }),
    )

    const nowS = Math.floor(clock.now() / 1000)
    const window = { chat_type: 'single' as const, start_time: nowS - 3600, end_time: nowS + 60 }
    const listed = await accepted(w, P.listV2, () => w.contact.groupMsg.listV2(window))
    expect(listed.group_msg_list.map((m) => m.msgid)).toEqual([first.msgid, second.msgid])
    const walked: string[] = []
    await accepted(w, P.listV2, async () => {
      for await (const m of w.contact.groupMsg.iterateListV2({ ...window, limit: 1 })) walked.push(m.msgid)
    })
    expect(walked).toEqual([first.msgid, second.msgid])

    expect((await accepted(w, P.getTask, () => w.contact.groupMsg.getTask({ msgid: first.msgid }))).task_list).toEqual([
      { userid: 'alice', status: 0 },
    ])
    sandbox.control.confirmGroupMsg(w.corpid, { msgid: first.msgid, userid: 'alice' })
    const tasks: GroupMsgTask[] = []
    await accepted(w, P.getTask, async () => {
      for await (const t of w.contact.groupMsg.iterateTask({ msgid: first.msgid, limit: 1 })) tasks.push(t)
    })
    expect(tasks).toMatchObject([{ userid: 'alice', status: 2, send_time: nowS }])

    const results = await accepted(w, P.getSendResult, () =>
      w.contact.groupMsg.getSendResult({ msgid: first.msgid, userid: 'alice', limit: 1 }),
    )
    expect(results.send_list).toHaveLength(1)
    expect(results.next_cursor).toBeTruthy()
    const all: GroupMsgSendRow[] = []
    await accepted(w, P.getSendResult, async () => {
      for await (const r of w.contact.groupMsg.iterateSendResult({ msgid: first.msgid, userid: 'alice', limit: 1 })) all.push(r)
    })
    expect(all.map((r) => [r.external_userid, r.status])).toEqual(ids.map((id) => [id, 1]))

    await accepted(w, P.remind, () => w.contact.groupMsg.remind(second.msgid))
    await accepted(w, P.cancel, () => w.contact.groupMsg.cancel(second.msgid))
    expect(sandbox.control.listGroupMsgs(w.corpid).find((m) => m.msgid === second.msgid)).toMatchObject({ canceled: true, reminders: 1 })
  })

  it('app message: message.send through the agent app reports invalid users and is logged', async () => {
    const w = world()
    const sent = await accepted(w, WecomPaths.Message.send, () =>
      w.agent.message.send({ touser: 'alice|nobody', msgtype: 'text', agentid: w.agentid, text: { content: '您有一位新客户' } }),
    )
    expect(sent.invaliduser).toBe('nobody')
    expect(sent.msgid).toBeTruthy()
    await accepted(w, WecomPaths.Message.send, () =>
      w.agent.message.send({
        touser: 'bob',
        msgtype: 'textcard',
        agentid: w.agentid,
        textcard: { title: '预约提醒', description: '明天 10:00', url: 'https://clinic.example/a/1' },
      }),
    )
    expect(sandbox.control.logs({ kind: 'app_messages', corpid: w.corpid }).items.map((m: any) => m.msgtype)).toEqual(['text', 'textcard'])
  })

  it('auth and jsapi: getUserInfo for a member and for a visitor; corp and app tickets', async () => {
    const w = world()
    const { ids } = await customersOf(w, 'alice', 1)
    const member = sandbox.control.issueOAuthCode(w.corpid, { userid: 'bob' })
    expect(await accepted(w, WecomPaths.Auth.getUserInfo, () => w.agent.auth.getUserInfo(member.code))).toMatchObject({ userid: 'bob' })
    const visitor = sandbox.control.issueOAuthCode(w.corpid, { openid: 'oVisitor1', external_userid: ids[0] })
    expect(await accepted(w, WecomPaths.Auth.getUserInfo, () => w.agent.auth.getUserInfo(visitor.code))).toMatchObject({
      openid: 'oVisitor1',
      external_userid: ids[0],
    })
    await rejectsWith(w, WecomPaths.Auth.getUserInfo, 40029, 'OAuth code 无效或已使用', () => w.agent.auth.getUserInfo(member.code))

    const corpTicket = await accepted(w, WecomPaths.Jsapi.getCorpTicket, () => w.agent.jsapi.getTicket())
    const appTicket = await accepted(w, WecomPaths.Jsapi.getAgentTicket, () => w.agent.jsapi.getAgentTicket())
    expect(corpTicket.expires_in).toBe(7200)
    expect(appTicket.ticket).not.toBe(corpTicket.ticket)
  })

  it('user: get gives the member name to either app', async () => {
    const w = world()
    expect(await accepted(w, WecomPaths.User.get, () => w.contact.user.get('bob'))).toMatchObject({
      userid: 'bob',
      name: '王芳',
      department: [1],
    })
    expect((await accepted(w, WecomPaths.User.get, () => w.agent.user.get('dave'))).name).toBe('刘洋')
  })
})

describe('errors map to PlatformError with the errcode and the Chinese hint', () => {
  it('40096: an unknown external_userid', async () => {
    const w = world()
    await rejectsWith(w, WecomPaths.ExternalContact.get, 40096, '外部联系人 external_userid 不正确', () =>
      w.contact.externalContact.get('wmNoSuchCustomer'),
    )
  })

  it('84061: a member without a relation to the customer', async () => {
    const w = world()
    const { ids } = await customersOf(w, 'alice', 1)
    const hint = '该成员与客户不存在好友关系'
    await rejectsWith(w, WecomPaths.ExternalContact.remark, 84061, hint, () =>
      w.contact.externalContact.remark({ userid: 'bob', external_userid: ids[0], remark: 'x' }),
    )
    const { tag_group } = await w.contact.tag.add({ group_name: '等级', tag: [{ name: 'A' }] })
    await rejectsWith(w, WecomPaths.Tag.mark, 84061, hint, () =>
      w.contact.tag.mark({ userid: 'bob', external_userid: ids[0], add_tag: [tag_group.tag[0].id] }),
    )
    await rejectsWith(w, WecomPaths.ExternalContact.list, 84061, hint, () => w.contact.externalContact.list('carol'))
  })

  it('41051: a welcome code used a second time', async () => {
    const w = world()
    const { welcomeCodes } = await customersOf(w, 'alice', 1)
    await w.contact.welcome.send({ welcome_code: welcomeCodes[0], text: { content: '您好' } })
    await rejectsWith(w, WecomPaths.Welcome.send, 41051, '欢迎语 welcome_code 已被使用或客户已开始聊天', () =>
      w.contact.welcome.send({ welcome_code: welcomeCodes[0], text: { content: '您好' } }),
    )
  })

  it('40001: a wrong secret fails at gettoken, once, and the API call is never made', async () => {
    const w = world()
    const bad = w.client('contact', 'not-the-secret')
    await rejectsWith(w, GETTOKEN, 40001, 'Secret 不正确或已失效，请检查应用 Secret', () => bad.externalContact.getFollowUserList())
    expect(w.calls(WecomPaths.ExternalContact.getFollowUserList)).toHaveLength(0)
  })

  it('40058: a userid_list over 100', async () => {
    const w = world()
    const err = await rejectsWith(w, WecomPaths.ExternalContact.batchGetByUser, 40058, '参数不符合接口要求（例如列表超长）', () =>
      w.contact.externalContact.batchGetByUser({ userid_list: Array.from({ length: 101 }, (_, i) => `u${i}`) }),
    )
    expect(err.errmsg).toMatch(/userid_list`? exceed max length/)
  })

  it('60111: an unknown member; 48002: the agent app on a customer-contact API', async () => {
    const w = world()
    await rejectsWith(w, WecomPaths.User.get, 60111, '成员 UserID 不存在', () => w.contact.user.get('nobody'))
    await rejectsWith(
      w,
      WecomPaths.ExternalContact.getFollowUserList,
      48002,
      '该应用无权调用此接口，请在「客户联系 - 可调用接口的应用」中配置',
      () => w.agent.externalContact.getFollowUserList(),
    )
  })
})

describe('the catalogue and the emulator cannot drift', () => {
  it('every catalogued path has a sandbox handler for exactly one method, and the sandbox emulates nothing else', async () => {
    const w = world()
    const token = await w.contact.getToken()
    const probe = async (method: 'GET' | 'POST', path: string) => {
      const res = await fetch(`${baseUrl}/sandbox/wecom${path}?access_token=${encodeURIComponent(token)}`, {
        method,
        ...(method === 'POST' ? { body: '{}', headers: { 'content-type': 'application/json' } } : {}),
      })
      return { method, status: res.status, body: (await res.json()) as Record<string, unknown> }
    }
    // How the sandbox answers a path it does not emulate; without this the check below could pass vacuously.
    expect(await probe('GET', '/cgi-bin/user/list')).toMatchObject({ status: 404, body: { errcode: 404 } })

    for (const { path } of allWecomPaths()) {
      const answers = [await probe('GET', path), await probe('POST', path)]
      const handled = answers.filter((a) => a.status !== 404)
      expect(
        handled.map((a) => a.method),
        `${path}: methods the sandbox handles`,
      ).toHaveLength(1)
      expect(handled[0].body.errcode, `${path}: answered by a handler`).not.toBe(404)
    }
    expect(wecomEndpoints.map((e) => `/cgi-bin/${e.name}`).sort()).toEqual(
      allWecomPaths()
        .map((p) => p.path)
        .sort(),
    )
  })
})

describe('retry policy against injected sandbox faults', () => {
  it('errcode -1 at a 50% rate: every call succeeds, each -1 costs one backoff, and nothing else is called', async () => {
    const w = world()
    await w.contact.getToken()
    sandbox.control.resetCounters()
    // The fault PRNG is seeded, so the run repeats exactly: with this seed 18 of the answers are -1, some calls need
    // all 3 retries of the default policy, and none needs a 4th (at 50% one call in 16 would, and then surface).
    sandbox.control.setFaults({ rules: [{ endpoint: 'externalcontact/get_follow_user_list', errorRate: 0.5, errorCodes: [-1] }], seed: 15 })
    const calls = 12
    for (let i = 0; i < calls; i++) expect((await w.contact.externalContact.getFollowUserList()).follow_user).toHaveLength(3)

    const c = counters('externalcontact/get_follow_user_list')
    expect(c).toEqual({ calls: calls + 18, ok: calls, errors: { '-1': 18 } })
    // Bounded by the policy: at most 1 + 3 tries per call.
    expect(c.calls).toBeLessThanOrEqual(calls * 4)
    expect(w.sleeps).toHaveLength(18)
    expect(w.sleeps).toContain(400)
    // Full jitter with random() = 0.5: half of 200·2^n.
    for (const ms of w.sleeps) expect([100, 200, 400]).toContain(ms)
    expect(sandbox.control.getCounters().total, 'no gettoken or other traffic').toBe(c.calls)
  })

  it('45009 once: one 60 s wait, then the call succeeds; two calls in all', async () => {
    const w = world()
    await w.contact.getToken()
    sandbox.control.resetCounters()
    sandbox.control.setFaults({ rules: [{ endpoint: 'externalcontact/list', errorRate: 1, errorCodes: [45009] }] })
    await customersOf(w, 'alice', 1)
    sandbox.control.resetCounters()
    // WeCom lifts a minute-limit block after 60 s; here it lifts while the client waits.
    w.onSleep = () => sandbox.control.clearFaults()
    expect((await w.contact.externalContact.list('alice')).external_userid).toHaveLength(1)
    expect(w.sleeps).toEqual([60_000])
    expect(counters('externalcontact/list')).toEqual({ calls: 2, ok: 1, errors: { 45009: 1 } })
    expect(sandbox.control.getCounters().total).toBe(2)
  })

  it('a timeout once: the read is retried after one backoff and succeeds; the sandbox saw two calls', async () => {
    const w = world({ timeoutMs: 300 })
    await w.contact.getToken()
    sandbox.control.resetCounters()
    sandbox.control.setFaults({ rules: [{ endpoint: 'user/get', timeoutRate: 1, timeoutMode: 'hang' }] })
    w.onSleep = () => sandbox.control.clearFaults()
    expect((await w.contact.user.get('alice')).name).toBe('张丽')
    expect(w.sleeps).toHaveLength(1)
    // The hung call never got an answer, so it has no outcome.
    expect(counters('user/get')).toEqual({ calls: 2, ok: 1, errors: {} })
    expect(w.calls(WecomPaths.User.get)).toHaveLength(1)
    expect(sandbox.control.getCounters().total).toBe(2)
  })

  it('a timeout on message/send is not repeated: the sandbox did the work once and the caller sees the transport failure', async () => {
    const w = world({ timeoutMs: 300 })
    await w.agent.getToken()
    sandbox.control.resetCounters()
    // 'delay': the send happens, only the answer comes too late — a blind repeat would message the member twice.
    sandbox.control.setFaults({ rules: [{ endpoint: 'message/send', timeoutRate: 1, timeoutMode: 'delay', timeoutAfterMs: 1000 }] })
    const err = await w.agent.message.send({ touser: 'alice', msgtype: 'text', agentid: w.agentid, text: { content: '一次' } }).then(
      () => null,
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(PlatformTransportError)
    expect(counters('message/send').calls).toBe(1)
    expect(w.sleeps).toEqual([])
    expect(sandbox.control.logs({ kind: 'app_messages', corpid: w.corpid }).items).toHaveLength(1)
  })

  it('after the sandbox invalidates every token, 20 concurrent calls cause exactly one gettoken and all succeed', async () => {
    const w = world()
    const before = await w.contact.getToken()
    await w.contact.externalContact.getFollowUserList()
    sandbox.control.resetCounters()
    expect(sandbox.control.invalidateTokens({ corpid: w.corpid }).invalidated).toBe(1)

    const results = await Promise.all(Array.from({ length: 20 }, () => w.contact.externalContact.getFollowUserList()))
    for (const r of results) expect(r.follow_user.sort()).toEqual(['alice', 'bob', 'carol'])
    expect(counters('gettoken')).toEqual({ calls: 1, ok: 1, errors: {} })
    // Each call: one try with the dead token (40014), one with the new token.
    expect(counters('externalcontact/get_follow_user_list')).toEqual({ calls: 40, ok: 20, errors: { 40014: 20 } })
    const after = await w.contact.getToken()
    expect(after).not.toBe(before)
    expect(w.calls(GETTOKEN).at(-1)?.body.access_token).toBe(after)
  })
})
