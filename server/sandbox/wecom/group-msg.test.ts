// Mass messages: routing to the latest follower, fail_list, tasks 0 → 2 on confirm, results 1/2/3, paging, remind, cancel.
import { afterEach, describe, expect, it } from 'vitest'
import { type TestSandbox, setupSandbox } from '../testing'

let t: TestSandbox
afterEach(async () => t?.sandbox.close())

describe('mass messages', () => {
  it('creates tasks per sender, fills results on confirm (sent, not a friend, over quota)', async () => {
    t = setupSandbox()
    const { ids: aliceIds } = await t.customersVia(['alice'], 3)
    t.clock.advance(1000)
    const { ids: bobIds } = await t.customersVia(['bob'], 1)
    // aliceIds[0] later adds bob too: the message goes to bob, who added them most recently.
    t.clock.advance(1000)
    const { configId: bobWay } = await t.customersVia(['bob'], 0)
    await t.control.scan(t.corp.corpid, { config_id: bobWay, external_userid: aliceIds[0] })

    const created = await t.post('externalcontact/add_msg_template', {
      external_userid: [...aliceIds, ...bobIds, 'wmunknown'],
      text: { content: '双十一活动开始啦' },
    })
    expect(created.errcode).toBe(0)
    expect(created.fail_list).toEqual(['wmunknown'])
    expect(created.msgid).toMatch(/^msg/)

    const tasks = await t.post('externalcontact/get_groupmsg_task', { msgid: created.msgid })
    expect(tasks.task_list).toEqual([
      { userid: 'bob', status: 0 },
      { userid: 'alice', status: 0 },
    ])
    const pending = await t.post('externalcontact/get_groupmsg_send_result', { msgid: created.msgid, userid: 'bob' })
    expect(pending.send_list.map((r: any) => [r.external_userid, r.status])).toEqual([
      [aliceIds[0], 0],
      [bobIds[0], 0],
    ])

    // alice's customer aliceIds[1] removes her; aliceIds[2] already used this month's quota.
    await t.control.customerDeletesStaff(t.corp.corpid, { userid: 'alice', external_userid: aliceIds[1] })
    t.control.setGroupMsgQuota(t.corp.corpid, { per_month: 1 })
    const earlier = await t.post('externalcontact/add_msg_template', { external_userid: [aliceIds[2]], text: { content: '早前的群发' } })
    t.control.confirmGroupMsg(t.corp.corpid, { msgid: earlier.msgid })

    t.clock.advance(5000)
    const confirmed = t.control.confirmGroupMsg(t.corp.corpid, { msgid: created.msgid, userid: 'alice' })
    expect(confirmed.confirmed).toEqual([{ userid: 'alice', sent: 0, not_friend: 1, over_quota: 1 }])
    expect(() => t.control.confirmGroupMsg(t.corp.corpid, { msgid: created.msgid, userid: 'alice' })).toThrow(/already sent/)

    const after = await t.post('externalcontact/get_groupmsg_task', { msgid: created.msgid })
    const nowS = Math.floor(t.clock.now() / 1000)
    expect(after.task_list).toEqual([
      { userid: 'bob', status: 0 },
      { userid: 'alice', status: 2, send_time: nowS },
    ])
    const results = await t.post('externalcontact/get_groupmsg_send_result', { msgid: created.msgid, userid: 'alice' })
    expect(results.send_list).toEqual([
      { external_userid: aliceIds[1], userid: 'alice', status: 2 },
      { external_userid: aliceIds[2], userid: 'alice', status: 3 },
    ])

    t.control.setGroupMsgQuota(t.corp.corpid, { per_month: null })
    t.control.confirmGroupMsg(t.corp.corpid, { msgid: created.msgid, userid: 'bob' })
    const bobResults = await t.post('externalcontact/get_groupmsg_send_result', { msgid: created.msgid, userid: 'bob' })
    expect(bobResults.send_list).toEqual([
      { external_userid: aliceIds[0], userid: 'bob', status: 1, send_time: nowS },
      { external_userid: bobIds[0], userid: 'bob', status: 1, send_time: nowS },
    ])
  })

  it('sends to all of a sender’s customers, filtered by tags, and pages results', async () => {
    t = setupSandbox()
    t.control.seedBulk(t.corp.corpid, { customers: 30, userids: ['alice'] })
    const g = (await t.post('externalcontact/add_corp_tag', { group_name: '客户等级', tag: [{ name: 'A' }, { name: 'B' }] })).tag_group
    const all = await t.post('externalcontact/add_msg_template', { sender: 'alice', text: { content: 'hi' } })
    const seen: string[] = []
    let cursor = ''
    do {
      const page = await t.post('externalcontact/get_groupmsg_send_result', { msgid: all.msgid, userid: 'alice', limit: 7, cursor })
      seen.push(...page.send_list.map((r: any) => r.external_userid))
      cursor = page.next_cursor
    } while (cursor)
    expect(new Set(seen).size).toBe(30)

    const ids = (await t.get('externalcontact/list', { userid: 'alice' })).external_userid as string[]
    await t.post('externalcontact/mark_tag', { userid: 'alice', external_userid: ids[0], add_tag: [g.tag[0].id] })
    await t.post('externalcontact/mark_tag', { userid: 'alice', external_userid: ids[1], add_tag: [g.tag[1].id] })
    const filtered = await t.post('externalcontact/add_msg_template', {
      sender: 'alice',
      text: { content: 'A only' },
      tag_filter: { group_list: [{ tag_list: [g.tag[0].id] }] },
    })
    const res = await t.post('externalcontact/get_groupmsg_send_result', { msgid: filtered.msgid, userid: 'alice' })
    expect(res.send_list.map((r: any) => r.external_userid)).toEqual([ids[0]])

    // An explicit sender only reaches their own customers.
    const { ids: bobIds } = await t.customersVia(['bob'], 1)
    const mixed = await t.post('externalcontact/add_msg_template', {
      sender: 'alice',
      external_userid: [ids[2], bobIds[0]],
      text: { content: 'x' },
    })
    expect(mixed.fail_list).toEqual([bobIds[0]])
  })

  it('validates limits and lists messages by time with a cursor', async () => {
    t = setupSandbox()
    const { ids } = await t.customersVia(['alice'], 1)
    expect((await t.post('externalcontact/add_msg_template', { text: { content: 'x' } })).errcode).toBe(40058)
    expect((await t.post('externalcontact/add_msg_template', { external_userid: ids })).errcode).toBe(40058)
    expect(
      (await t.post('externalcontact/add_msg_template', { external_userid: Array(10_001).fill(ids[0]), text: { content: 'x' } })).errcode,
    ).toBe(40058)
    const start = Math.floor(t.clock.now() / 1000)
    const msgids: string[] = []
    for (let i = 0; i < 5; i++) {
      msgids.push((await t.post('externalcontact/add_msg_template', { external_userid: ids, text: { content: `第${i}条` } })).msgid)
      t.clock.advance(60_000)
    }
    const end = Math.floor(t.clock.now() / 1000)
    expect(
      (await t.post('externalcontact/get_groupmsg_list_v2', { chat_type: 'single', start_time: start, end_time: start + 32 * 86400 }))
        .errcode,
    ).toBe(40058)
    const seen: string[] = []
    let cursor = ''
    do {
      const page = await t.post('externalcontact/get_groupmsg_list_v2', {
        chat_type: 'single',
        start_time: start,
        end_time: end,
        limit: 2,
        cursor,
      })
      expect(page.errcode).toBe(0)
      for (const m of page.group_msg_list) {
        expect(m).toMatchObject({ create_type: 0, text: { content: expect.any(String) } })
        expect(m.creator).toBeUndefined()
        seen.push(m.msgid)
      }
      cursor = page.next_cursor
    } while (cursor)
    expect(seen).toEqual(msgids)
    // Over 100 falls back to the default 50, which still covers all five.
    expect(
      (await t.post('externalcontact/get_groupmsg_list_v2', { chat_type: 'single', start_time: start, end_time: end, limit: 500 }))
        .group_msg_list,
    ).toHaveLength(5)
  })

  it('allows 3 reminders per 24 h and stops confirmations after cancel', async () => {
    t = setupSandbox()
    const { ids } = await t.customersVia(['alice'], 1)
    const { msgid } = await t.post('externalcontact/add_msg_template', { external_userid: ids, text: { content: 'x' } })
    for (let i = 0; i < 3; i++) expect((await t.post('externalcontact/remind_groupmsg_send', { msgid })).errcode).toBe(0)
    expect((await t.post('externalcontact/remind_groupmsg_send', { msgid })).errcode).toBe(45009)
    t.clock.advance(24 * 3600_000)
    const fresh = await t.token()
    expect((await t.post('externalcontact/remind_groupmsg_send', { msgid }, fresh)).errcode).toBe(0)
    expect((await t.post('externalcontact/cancel_groupmsg_send', { msgid }, fresh)).errcode).toBe(0)
    expect(() => t.control.confirmGroupMsg(t.corp.corpid, { msgid })).toThrow(/canceled/)
    expect((await t.post('externalcontact/get_groupmsg_task', { msgid: 'msgnope' }, fresh)).errcode).toBe(40058)
  })
})
