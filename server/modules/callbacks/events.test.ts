// The other events end to end through the sandbox: relation ends, edits, tag changes, chats, transfers, inbound messages, unknown events.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildXml } from '../../platform/xml'
import { createWecomEnv, type WecomEnv } from '../../testing/wecom-env'
import { createChannel, deliver, type Channel } from './callbacks.test-fixtures'

let env: WecomEnv
let channel: Channel

beforeAll(async () => {
  env = await createWecomEnv()
  channel = await createChannel(env, { channelName: '抖音' })
})
afterAll(async () => env?.close())

const db = () => env.deps.db
const customerOf = (ext: string) =>
  db().selectFrom('customers').selectAll().where('org_id', '=', env.orgId).where('external_userid', '=', ext).executeTakeFirstOrThrow()
const followOf = (customerId: number, userid: string) =>
  db()
    .selectFrom('customer_follows')
    .selectAll()
    .where('customer_id', '=', customerId)
    .where('userid', '=', userid)
    .executeTakeFirstOrThrow()
const appMessages = () => env.sandbox.control.logs({ kind: 'app_messages', corpid: env.corpid }).items.map((m) => JSON.stringify(m))

/** Waits until the newest event of this kind (for this customer, if given) is no longer pending, and returns it. */
async function handled(changeType: string, ext?: string, after = 0) {
  return env.waitFor(async () => {
    let q = db()
      .selectFrom('callback_events')
      .selectAll()
      .where('org_id', '=', env.orgId)
      .where('change_type', '=', changeType)
      .where('id', '>', after)
    if (ext) q = q.where('external_userid', '=', ext)
    const ev = await q.orderBy('id', 'desc').executeTakeFirst()
    return ev && ev.status !== 'pending' ? ev : undefined
  })
}

async function newCustomer(name: string) {
  const s = await env.sandbox.control.scan(env.corpid, { config_id: channel.configId, customer: { name } })
  await handled('add_external_contact', s.external_userid)
  return { ...s, customer: await customerOf(s.external_userid) }
}

const lastEventId = async () =>
  Number(
    (
      await db()
        .selectFrom('callback_events')
        .select((eb) => eb.fn.max('id').as('m'))
        .executeTakeFirst()
    )?.m ?? 0,
  )

describe('customer-contact events', () => {
  it('del_follow_user: relation lost with lost_at, customer lost, member alerted', async () => {
    const s = await newCustomer('周女士')
    const r = await env.sandbox.control.customerDeletesStaff(env.corpid, { userid: s.userid, external_userid: s.external_userid })
    const ev = await handled('del_follow_user', s.external_userid)
    expect(ev.status).toBe('processed')
    const follow = await followOf(s.customer.id, s.userid)
    expect(follow.status).toBe('lost')
    expect(Number(follow.lost_at)).toBe(Math.floor(r.delivery!.created_at / 1000) * 1000)
    expect((await customerOf(s.external_userid)).status).toBe('lost')
    await env.waitFor(async () => appMessages().some((m) => m.includes('客户 周女士 已将你删除')))
  })

  it('del_external_contact: relation deleted (transfer source accepted); the customer stays active while another relation is', async () => {
    const s = await newCustomer('吴先生')
    // A second member adds the same customer, then the first one removes them by transfer.
    const way2 = await env.caller.contactWays.create({ channelName: '百度', state: 'baidu-evt', type: 1, scene: 2, userIds: ['liuyang'] })
    const cfg = (await db().selectFrom('contact_ways').select('config_id').where('id', '=', way2.id).executeTakeFirstOrThrow()).config_id!
    await env.sandbox.control.scan(env.corpid, { config_id: cfg, external_userid: s.external_userid })
    await env.waitFor(
      async () => (await db().selectFrom('customer_follows').select('id').where('customer_id', '=', s.customer.id).execute()).length === 2,
    )

    await env.sandbox.control.staffDeletesCustomer(env.corpid, {
      userid: s.userid,
      external_userid: s.external_userid,
      source: 'DELETE_BY_TRANSFER',
    })
    const ev = await handled('del_external_contact', s.external_userid)
    expect(ev.status).toBe('processed')
    expect(ev.plaintext).toContain('DELETE_BY_TRANSFER')
    const follow = await followOf(s.customer.id, s.userid)
    expect(follow.status).toBe('deleted')
    expect(Number(follow.deleted_at)).toBeGreaterThan(0)
    expect((await followOf(s.customer.id, 'liuyang')).status).toBe('active')
    expect((await customerOf(s.external_userid)).status).toBe('active')

    // The last relation goes too: now the customer is lost.
    await env.sandbox.control.staffDeletesCustomer(env.corpid, { userid: 'liuyang', external_userid: s.external_userid })
    await env.waitFor(async () => (await customerOf(s.external_userid)).status === 'lost')
    expect((await followOf(s.customer.id, 'liuyang')).status).toBe('deleted')
  })

  it('del_* for a relation never stored here is ignored', async () => {
    const after = await lastEventId()
    await deliver(
      env,
      buildXml({
        ToUserName: env.corpid,
        FromUserName: 'sys',
        CreateTime: Math.floor(Date.now() / 1000),
        MsgType: 'event',
        Event: 'change_external_contact',
        ChangeType: 'del_external_contact',
        UserID: 'zhangli',
        ExternalUserID: 'wmNEVERSEEN',
      }),
    )
    expect((await handled('del_external_contact', 'wmNEVERSEEN', after)).status).toBe('ignored')
  })

  it('edit_external_contact: remark, description and the WeCom tag mirror follow the detail', async () => {
    const s = await newCustomer('郑女士')
    const after = await lastEventId()
    await env.sandbox.control.tagChange(env.corpid, {
      change_type: 'create',
      tag_type: 'tag_group',
      group_name: '意向项目',
      tags: ['热玛吉', '水光针'],
    })
    expect((await handled('create', undefined, after)).status).toBe('processed')
    const reMa = (
      await db().selectFrom('tags').select('tag_id').where('org_id', '=', env.orgId).where('name', '=', '热玛吉').executeTakeFirstOrThrow()
    ).tag_id!

    await env.sandbox.control.editContact(env.corpid, {
      userid: s.userid,
      external_userid: s.external_userid,
      remark: '郑姐',
      description: '想做热玛吉',
      add_tag: [reMa],
      remove_tag: [channel.tagId],
    })
    const ev = await handled('edit_external_contact', s.external_userid)
    expect(ev.status).toBe('processed')
    const follow = await followOf(s.customer.id, s.userid)
    expect(follow).toMatchObject({ remark: '郑姐', description: '想做热玛吉', status: 'active' })
    const mirrored = await db()
      .selectFrom('customer_tags as ct')
      .innerJoin('tags as t', 't.id', 'ct.tag_ref')
      .select(['t.tag_id', 't.source'])
      .where('ct.customer_id', '=', s.customer.id)
      .where('ct.userid', '=', s.userid)
      .execute()
    expect(mirrored).toEqual([{ tag_id: reMa, source: 'wecom' }])
    // The CRM source tag (userid '') is not part of the WeCom mirror.
    const crm = await db()
      .selectFrom('customer_tags')
      .select('userid')
      .where('customer_id', '=', s.customer.id)
      .where('userid', '=', '')
      .execute()
    expect(crm).toHaveLength(1)
  })

  it('transfer_fail is recorded as processed', async () => {
    const after = await lastEventId()
    await deliver(
      env,
      buildXml({
        ToUserName: env.corpid,
        FromUserName: 'sys',
        CreateTime: Math.floor(Date.now() / 1000),
        MsgType: 'event',
        Event: 'change_external_contact',
        ChangeType: 'transfer_fail',
        FailReason: 'customer_refused',
        UserID: 'zhangli',
        ExternalUserID: 'wmTRANSFER',
      }),
    )
    const ev = await handled('transfer_fail', 'wmTRANSFER', after)
    expect(ev.status).toBe('processed')
    expect(ev.plaintext).toContain('customer_refused')
  })
})

describe('tags, chats, messages, unknown events', () => {
  it('change_external_tag create / update / delete / shuffle re-syncs the corp tags', async () => {
    const names = async () =>
      await db().selectFrom('tags').select(['tag_id', 'name']).where('org_id', '=', env.orgId).where('source', '=', 'wecom').execute()
    const created = await env.sandbox.control.tagChange(env.corpid, {
      change_type: 'create',
      tag_type: 'tag_group',
      group_name: '会员等级',
      tags: ['金卡', '银卡'],
    })
    expect((await handled('create')).status).toBe('processed')
    const group = await db()
      .selectFrom('tag_groups')
      .select(['id', 'name'])
      .where('org_id', '=', env.orgId)
      .where('group_id', '=', created.id!)
      .executeTakeFirstOrThrow()
    expect(group.name).toBe('会员等级')
    const gold = (await names()).find((t) => t.name === '金卡')!

    let after = await lastEventId()
    await env.sandbox.control.tagChange(env.corpid, { change_type: 'update', id: gold.tag_id!, name: '黑金卡' })
    expect((await handled('update', undefined, after)).status).toBe('processed')
    expect((await names()).find((t) => t.tag_id === gold.tag_id)?.name).toBe('黑金卡')

    after = await lastEventId()
    await env.sandbox.control.tagChange(env.corpid, { change_type: 'delete', id: gold.tag_id! })
    expect((await handled('delete', undefined, after)).status).toBe('processed')
    expect((await names()).some((t) => t.tag_id === gold.tag_id)).toBe(false)

    after = await lastEventId()
    const silver = (await names()).find((t) => t.name === '银卡')!
    await env.sandbox.control.tagChange(env.corpid, { change_type: 'shuffle', ids: [created.id!] })
    expect((await handled('shuffle', undefined, after)).status).toBe('processed')
    expect((await names()).some((t) => t.tag_id === silver.tag_id)).toBe(true)
  })

  it('change_external_chat is stored and processed', async () => {
    await env.sandbox.control.chatEvent(env.corpid, { chat_id: 'wrCHAT001', change_type: 'dismiss' })
    const ev = await env.waitFor(() =>
      db()
        .selectFrom('callback_events')
        .selectAll()
        .where('event', '=', 'change_external_chat')
        .where('status', '!=', 'pending')
        .executeTakeFirst(),
    )
    expect(ev).toMatchObject({ status: 'processed', change_type: 'dismiss' })
  })

  it('inbound text/image messages become messages rows, linked when the sender is a known customer, once per MsgId', async () => {
    const s = await newCustomer('钱女士')
    const agentid = String(env.sandbox.control.getCorp(env.corpid).apps.find((a) => a.kind === 'agent')!.agentid)
    const nowS = Math.floor(Date.now() / 1000)
    const text = buildXml({
      ToUserName: env.corpid,
      FromUserName: s.external_userid,
      CreateTime: nowS,
      MsgType: 'text',
      Content: '请问热玛吉多少钱？',
      MsgId: 700000000000001,
      AgentID: agentid,
    })
    await deliver(env, text, 'text')
    const row = await env.waitFor(() => db().selectFrom('messages').selectAll().where('msg_id', '=', '700000000000001').executeTakeFirst())
    expect(row).toMatchObject({
      org_id: env.orgId,
      customer_id: s.customer.id,
      from_id: s.external_userid,
      to_id: agentid,
      msg_type: 'text',
      content: '请问热玛吉多少钱？',
      create_time: nowS * 1000,
    })

    // The same MsgId in a different envelope (e.g. re-sent with another CreateTime) is stored once.
    await deliver(env, text.replace(String(nowS), String(nowS + 1)), 'text')
    await env.waitFor(
      async () =>
        (await db().selectFrom('callback_events').select('id').where('msg_type', '=', 'text').where('status', '=', 'processed').execute())
          .length === 2,
    )
    expect(await db().selectFrom('messages').select('id').where('msg_id', '=', '700000000000001').execute()).toHaveLength(1)

    const image = buildXml({
      ToUserName: env.corpid,
      FromUserName: s.external_userid,
      CreateTime: nowS,
      MsgType: 'image',
      PicUrl: 'https://example.com/p.jpg',
      MediaId: 'MEDIA1',
      MsgId: 700000000000002,
      AgentID: agentid,
    })
    await deliver(env, image, 'image')
    const img = await env.waitFor(() => db().selectFrom('messages').selectAll().where('msg_id', '=', '700000000000002').executeTakeFirst())
    expect(img).toMatchObject({ msg_type: 'image', content: 'https://example.com/p.jpg', customer_id: s.customer.id })

    // A member writing to the app (the sandbox's own inbound message): stored, no customer link.
    const m = await env.sandbox.control.inboundMessage(env.corpid, { userid: 'wangfang', content: '今天几点下班' })
    const member = await env.waitFor(() => db().selectFrom('messages').selectAll().where('msg_id', '=', String(m.msgid)).executeTakeFirst())
    expect(member).toMatchObject({ from_id: 'wangfang', customer_id: null, content: '今天几点下班' })
  })

  it('an event without a handler is stored as ignored', async () => {
    const after = await lastEventId()
    await deliver(
      env,
      buildXml({
        ToUserName: env.corpid,
        FromUserName: 'sys',
        CreateTime: Math.floor(Date.now() / 1000),
        MsgType: 'event',
        Event: 'change_contact',
        ChangeType: 'create_user',
        UserID: 'newbie',
      }),
    )
    const ev = await handled('create_user', undefined, after)
    expect(ev.status).toBe('ignored')
  })
})
