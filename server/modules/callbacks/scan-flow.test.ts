// Flow 1 end to end through the sandbox: scan → encrypted callback → worker → customer, lead, tags, one welcome, staff notice.
import { countRows } from '../../testing/test-db'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createWecomEnv, type WecomEnv } from '../../testing/wecom-env'
import { sourceTagName, SOURCE_TAG_GROUP } from '../../../shared/schemas/contact-way'
import { captureCallback, createChannel, post, type Channel } from './callbacks.test-fixtures'

let env: WecomEnv
let channel: Channel

beforeAll(async () => {
  env = await createWecomEnv()
  channel = await createChannel(env, { channelName: '小红书' })
})
afterAll(async () => env?.close())

const customerOf = (ext: string) =>
  env.deps.db.selectFrom('customers').selectAll().where('org_id', '=', env.orgId).where('external_userid', '=', ext).executeTakeFirst()
const welcomeLog = () =>
  env.sandbox.control.logs({ kind: 'welcome', corpid: env.corpid }).items as {
    welcome_code: string
    external_userid: string
    text: unknown
  }[]
const markLog = () =>
  env.sandbox.control.logs({ kind: 'mark_tag', corpid: env.corpid }).items as {
    external_userid: string
    userid: string
    add_tag: string[]
  }[]

async function processed(ext: string) {
  return env.waitFor(async () => {
    const ev = await env.deps.db
      .selectFrom('callback_events')
      .selectAll()
      .where('org_id', '=', env.orgId)
      .where('external_userid', '=', ext)
      .where('status', 'in', ['processed', 'failed'])
      .executeTakeFirst()
    return ev
  })
}

describe('scan → customer', () => {
  it('creates the customer with channel, lead, CRM source tag, WeCom tag, exactly one welcome and a staff notice', async () => {
    const scan = await env.sandbox.control.scan(env.corpid, { config_id: channel.configId, customer: { name: '林小姐', gender: 2 } })
    expect(scan.delivery?.status).toBe('delivered')
    const ext = scan.external_userid
    const event = await processed(ext)
    expect(event.status).toBe('processed')

    const customer = (await customerOf(ext))!
    expect(customer).toMatchObject({
      name: '林小姐',
      gender: 2,
      status: 'active',
      channel_state: channel.state,
      contact_way_id: channel.wayId,
    })
    expect(Number(customer.first_added_at)).toBeGreaterThan(0)

    const follow = await env.deps.db.selectFrom('customer_follows').selectAll().where('customer_id', '=', customer.id).execute()
    expect(follow).toHaveLength(1)
    expect(follow[0]).toMatchObject({
      userid: scan.userid,
      status: 'active',
      state: channel.state,
      add_way: 1,
      oper_userid: ext,
      contact_way_id: channel.wayId,
    })
    expect(JSON.parse(follow[0].remark_mobiles)).toEqual([])

    const lead = await env.deps.db.selectFrom('crm_leads').selectAll().where('customer_id', '=', customer.id).execute()
    expect(lead).toHaveLength(1)
    expect(lead[0]).toMatchObject({
      org_id: env.orgId,
      channel_state: channel.state,
      contact_way_id: channel.wayId,
      owner_userid: scan.userid,
      status: 'new',
    })

    // The CRM tag 来源:企业微信-小红书 in the CRM group 来源, on the customer (userid '').
    const crmTags = await env.deps.db
      .selectFrom('customer_tags as ct')
      .innerJoin('tags as t', 't.id', 'ct.tag_ref')
      .innerJoin('tag_groups as g', 'g.id', 't.group_ref')
      .select(['t.name', 't.source', 't.tag_id', 'g.name as group', 'g.source as group_source', 'ct.userid'])
      .where('ct.customer_id', '=', customer.id)
      .where('t.source', '=', 'crm')
      .execute()
    expect(crmTags).toEqual([
      { name: sourceTagName('小红书'), source: 'crm', tag_id: null, group: SOURCE_TAG_GROUP, group_source: 'crm', userid: '' },
    ])

    // The way's WeCom tag: marked at the sandbox once, visible on the relation there, mirrored here for that member.
    expect(markLog().filter((m) => m.external_userid === ext)).toEqual([
      expect.objectContaining({ userid: scan.userid, add_tag: [channel.tagId] }),
    ])
    const detail = env.sandbox.state.corps.get(env.corpid)!.findFollow(scan.userid, ext)
    expect(detail?.tags).toContain(channel.tagId)
    const wecomTags = await env.deps.db
      .selectFrom('customer_tags as ct')
      .innerJoin('tags as t', 't.id', 'ct.tag_ref')
      .select(['t.tag_id', 'ct.userid'])
      .where('ct.customer_id', '=', customer.id)
      .where('t.source', '=', 'wecom')
      .execute()
    expect(wecomTags).toEqual([{ tag_id: channel.tagId, userid: scan.userid }])

    // Exactly one send_welcome_msg, with the event's code and the way's text.
    const sent = welcomeLog().filter((w) => w.external_userid === ext)
    expect(sent).toHaveLength(1)
    expect(sent[0]).toMatchObject({ welcome_code: scan.welcome_code, text: { content: channel.welcomeText } })
    const ws = await env.deps.db.selectFrom('welcome_sends').selectAll().where('callback_event_id', '=', event.id).execute()
    expect(ws).toHaveLength(1)
    expect(ws[0]).toMatchObject({
      status: 'sent',
      errcode: null,
      customer_external_userid: ext,
      userid: scan.userid,
      contact_way_id: channel.wayId,
    })
    expect(ws[0].latency_ms).toBeGreaterThanOrEqual(0)
    expect(ws[0].latency_ms).toBeLessThan(20_000)

    // The member hears about it through the agent app (queued, best effort).
    const notice = await env.waitFor(async () =>
      (
        env.sandbox.control.logs({ kind: 'app_messages', corpid: env.corpid }).items as { touser?: string; text?: { content: string } }[]
      ).find((m) => JSON.stringify(m).includes('林小姐')),
    )
    expect(JSON.stringify(notice)).toContain(`新客户 林小姐 通过「小红书」添加了你`)
  })

  it('the same customer added by a second member through a way without welcome: first channel kept, no welcome row, one lead', async () => {
    const plain = await env.sandbox.control.scan(env.corpid, { config_id: channel.configId, customer: { name: '路人甲' } })
    await processed(plain.external_userid)
    // Another member's way, without a welcome message.
    const way2 = await env.caller.contactWays.create({ channelName: '抖音', state: 'douyin-x', type: 1, scene: 2, userIds: ['wangfang'] })
    const row = await env.deps.db.selectFrom('contact_ways').select('config_id').where('id', '=', way2.id).executeTakeFirstOrThrow()
    await env.sandbox.control.scan(env.corpid, { config_id: row.config_id!, external_userid: plain.external_userid })
    await env.waitFor(async () =>
      env.deps.db
        .selectFrom('callback_events')
        .select('id')
        .where('external_userid', '=', plain.external_userid)
        .where('status', '=', 'processed')
        .execute()
        .then((r) => r.length === 2),
    )
    const customer = (await customerOf(plain.external_userid))!
    expect(customer.channel_state).toBe(channel.state)
    const follows = await env.deps.db
      .selectFrom('customer_follows')
      .select(['userid', 'contact_way_id', 'state'])
      .where('customer_id', '=', customer.id)
      .orderBy('userid')
      .execute()
    expect(follows).toEqual([
      { userid: 'wangfang', contact_way_id: way2.id, state: 'douyin-x' },
      { userid: 'zhangli', contact_way_id: channel.wayId, state: channel.state },
    ])
    // The second way has no welcome: no welcome_sends row for its event; still one lead per customer.
    const secondEvent = await env.deps.db
      .selectFrom('callback_events')
      .select('id')
      .where('external_userid', '=', plain.external_userid)
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow()
    expect(await env.deps.db.selectFrom('welcome_sends').select('id').where('callback_event_id', '=', secondEvent.id).execute()).toEqual([])
    expect(await env.deps.db.selectFrom('crm_leads').select('id').where('customer_id', '=', customer.id).execute()).toHaveLength(1)
    const sources = await env.deps.db
      .selectFrom('customer_tags as ct')
      .innerJoin('tags as t', 't.id', 'ct.tag_ref')
      .select('t.name')
      .where('ct.customer_id', '=', customer.id)
      .where('t.source', '=', 'crm')
      .orderBy('t.name')
      .execute()
    expect(sources.map((s) => s.name)).toEqual([sourceTagName('小红书'), sourceTagName('抖音')].sort())
  })

  it('add_half_external_contact (customer added without verification) is handled like an add: customer, welcome, tags', async () => {
    const scan = await env.sandbox.control.scan(env.corpid, { config_id: channel.configId, event: 'add_half_external_contact' })
    const event = await processed(scan.external_userid)
    expect(event).toMatchObject({ status: 'processed', change_type: 'add_half_external_contact' })
    expect((await customerOf(scan.external_userid))?.channel_state).toBe(channel.state)
    expect(welcomeLog().filter((w) => w.welcome_code === scan.welcome_code)).toHaveLength(1)
    expect(markLog().filter((m) => m.external_userid === scan.external_userid)).toHaveLength(1)
  })

  it('the same callback delivered 3 times in sequence → one event, one customer, one welcome', async () => {
    const { result, callback } = await captureCallback(env, () => env.sandbox.control.scan(env.corpid, { config_id: channel.configId }))
    const before = { events: await countRows(env.deps.db, 'callback_events'), customers: await countRows(env.deps.db, 'customers') }
    for (let i = 0; i < 3; i++) {
      const r = await post(callback)
      expect(r.status).toBe(200)
      expect(await r.text()).toBe('success')
    }
    await processed(result.external_userid)
    await settle()
    expect(await countRows(env.deps.db, 'callback_events')).toBe(before.events + 1)
    expect(await countRows(env.deps.db, 'customers')).toBe(before.customers + 1)
    expect(welcomeLog().filter((w) => w.external_userid === result.external_userid)).toHaveLength(1)
    expect(markLog().filter((m) => m.external_userid === result.external_userid)).toHaveLength(1)
  })

  it('the same callback delivered 3 times concurrently → one event, one customer, one welcome', async () => {
    const { result, callback } = await captureCallback(env, () => env.sandbox.control.scan(env.corpid, { config_id: channel.configId }))
    const before = { events: await countRows(env.deps.db, 'callback_events'), customers: await countRows(env.deps.db, 'customers') }
    const answers = await Promise.all([post(callback), post(callback), post(callback)])
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200])
    await processed(result.external_userid)
    await settle()
    expect(await countRows(env.deps.db, 'callback_events')).toBe(before.events + 1)
    expect(await countRows(env.deps.db, 'customers')).toBe(before.customers + 1)
    expect(welcomeLog().filter((w) => w.external_userid === result.external_userid)).toHaveLength(1)
    const ws = await env.deps.db
      .selectFrom('welcome_sends')
      .select('status')
      .where('customer_external_userid', '=', result.external_userid)
      .execute()
    expect(ws).toEqual([{ status: 'sent' }])
  })
})

/** Lets queued follow-up jobs (staff notices) finish so counts are final. */
async function settle() {
  await env.waitFor(async () => {
    const busy = await env.deps.db.selectFrom('queue_jobs').select('id').where('status', 'in', ['pending', 'running']).executeTakeFirst()
    return !busy
  })
}
