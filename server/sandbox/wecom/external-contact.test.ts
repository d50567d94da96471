// Customer data: list/get/batch shapes, the 100-userid and limit rules, cursors that visit everything once, remarks.
import { afterEach, describe, expect, it } from 'vitest'
import { newFollow } from '../corps'
import { type TestSandbox, setupSandbox } from '../testing'

let t: TestSandbox
afterEach(async () => t?.sandbox.close())

describe('customer data', () => {
  it('lists follow users and a member’s customers, 84061 when there are none', async () => {
    t = setupSandbox()
    expect((await t.get('externalcontact/get_follow_user_list')).follow_user).toEqual(['alice', 'bob', 'carol'])
    expect((await t.get('externalcontact/list', { userid: 'alice' })).errcode).toBe(84061)
    expect((await t.get('externalcontact/list', { userid: 'ghost' })).errcode).toBe(60111)
    const { ids } = await t.customersVia(['alice'], 3)
    expect((await t.get('externalcontact/list', { userid: 'alice' })).external_userid).toEqual(ids)
  })

  it('returns a customer with follow_user tags, 40096 for an unknown id', async () => {
    t = setupSandbox()
    const { ids } = await t.customersVia(['alice'], 1, 'douyin')
    const group = await t.post('externalcontact/add_corp_tag', { group_name: '客户等级', tag: [{ name: 'A级意向' }] })
    const tagId = group.tag_group.tag[0].id
    expect((await t.post('externalcontact/mark_tag', { userid: 'alice', external_userid: ids[0], add_tag: [tagId] })).errcode).toBe(0)
    const got = await t.get('externalcontact/get', { external_userid: ids[0] })
    expect(got.errcode).toBe(0)
    expect(got.external_contact).toMatchObject({ external_userid: ids[0], type: 1 })
    expect(got.follow_user).toEqual([
      expect.objectContaining({
        userid: 'alice',
        add_way: 1,
        state: 'douyin',
        oper_userid: ids[0],
        tags: [{ group_name: '客户等级', tag_name: 'A级意向', type: 1, tag_id: tagId }],
      }),
    ])
    expect(got.next_cursor).toBeUndefined()
    expect((await t.get('externalcontact/get', { external_userid: 'wmnope' })).errcode).toBe(40096)
  })

  it('pages follow_user at 500 with next_cursor', async () => {
    t = setupSandbox()
    t.control.addMembers(t.corp.corpid, { members: Array.from({ length: 501 }, (_, i) => ({ userid: `m${i}`, name: `员工${i}` })) })
    const { ids } = await t.customersVia(['alice'], 1)
    for (let i = 0; i < 500; i++)
      newFollow(t.corpState, {
        userid: `m${i}`,
        external_userid: ids[0],
        remark: '',
        description: '',
        createtime: 1,
        tags: [],
        oper_userid: `m${i}`,
        add_way: 201,
        state: '',
        config_id: '',
      })
    const first = await t.get('externalcontact/get', { external_userid: ids[0] })
    expect(first.follow_user).toHaveLength(500)
    expect(first.next_cursor).toBeTruthy()
    const second = await t.get('externalcontact/get', { external_userid: ids[0], cursor: first.next_cursor })
    expect(second.follow_user).toHaveLength(1)
    expect(second.next_cursor).toBeUndefined()
  })

  it('batch/get_by_user: ≤ 100 userids, limit default 50 clamped to 100, cursors visit every relation exactly once', async () => {
    t = setupSandbox()
    t.control.seedBulk(t.corp.corpid, { customers: 250, userids: ['alice', 'bob', 'carol'] })
    const userid_list = ['alice', 'bob', 'carol']

    const tooMany = await t.post('externalcontact/batch/get_by_user', { userid_list: Array.from({ length: 101 }, (_, i) => `u${i}`) })
    expect(tooMany.errcode).toBe(40058)
    expect(tooMany.errmsg).toMatch(/userid_list/)
    expect((await t.post('externalcontact/batch/get_by_user', { userid_list: [] })).errcode).toBe(40058)

    expect((await t.post('externalcontact/batch/get_by_user', { userid_list })).external_contact_list).toHaveLength(50)
    const clamped = await t.post('externalcontact/batch/get_by_user', { userid_list, limit: 1000 })
    expect(clamped.external_contact_list).toHaveLength(100)
    expect(clamped.external_contact_list[0]).toEqual({
      external_contact: expect.objectContaining({ external_userid: expect.stringMatching(/^wm/), name: expect.any(String), type: 1 }),
      follow_info: expect.objectContaining({ userid: 'alice', tag_id: [], createtime: expect.any(Number), add_way: 1 }),
    })

    const seen: string[] = []
    const pages: number[] = []
    let cursor = ''
    do {
      const page = await t.post('externalcontact/batch/get_by_user', { userid_list, limit: 100, cursor })
      expect(page.errcode).toBe(0)
      pages.push(page.external_contact_list.length)
      for (const item of page.external_contact_list) seen.push(`${item.follow_info.userid}/${item.external_contact.external_userid}`)
      cursor = page.next_cursor
    } while (cursor)
    expect(pages).toEqual([100, 100, 50])
    expect(seen).toHaveLength(250)
    expect(new Set(seen).size).toBe(250)
    expect(new Set(seen.map((s) => s.split('/')[1])).size).toBe(250)
  })

  it('batch/get_by_user also takes the older single `userid` field, pages it the same way, and prefers userid_list', async () => {
    t = setupSandbox()
    t.control.seedBulk(t.corp.corpid, { customers: 30, userids: ['alice'] })
    t.control.seedBulk(t.corp.corpid, { customers: 5, userids: ['bob'] })
    const walk = async (body: Record<string, unknown>) => {
      const rows: string[] = []
      let cursor = ''
      do {
        const page = await t.post('externalcontact/batch/get_by_user', { ...body, limit: 10, cursor })
        expect(page.errcode).toBe(0)
        rows.push(...page.external_contact_list.map((i: any) => `${i.follow_info.userid}/${i.external_contact.external_userid}`))
        cursor = page.next_cursor
      } while (cursor)
      return rows
    }
    const legacy = await walk({ userid: 'alice' })
    expect(legacy).toHaveLength(30)
    expect(legacy.every((r) => r.startsWith('alice/'))).toBe(true)
    expect(legacy).toEqual(await walk({ userid_list: ['alice'] }))
    const both = await walk({ userid: 'alice', userid_list: ['bob'] })
    expect(both).toHaveLength(5)
    expect(both.every((r) => r.startsWith('bob/'))).toBe(true)
    const neither = await t.post('externalcontact/batch/get_by_user', {})
    expect(neither.errcode).toBe(40058)
    expect(neither.errmsg).toMatch(/userid_list/)
  })

  it('keeps a cursor stable when relations are deleted between pages', async () => {
    t = setupSandbox()
    t.control.seedBulk(t.corp.corpid, { customers: 30, userids: ['alice'] })
    const first = await t.post('externalcontact/batch/get_by_user', { userid_list: ['alice'], limit: 10 })
    const firstIds = first.external_contact_list.map((i: any) => i.external_contact.external_userid)
    // The member deletes a customer already returned: the rest of the walk must not shift.
    await t.control.staffDeletesCustomer(t.corp.corpid, { userid: 'alice', external_userid: firstIds[3] })
    const rest: string[] = []
    let cursor = first.next_cursor
    while (cursor) {
      const page = await t.post('externalcontact/batch/get_by_user', { userid_list: ['alice'], limit: 10, cursor })
      rest.push(...page.external_contact_list.map((i: any) => i.external_contact.external_userid))
      cursor = page.next_cursor
    }
    expect(rest).toHaveLength(20)
    expect(rest.some((id) => firstIds.includes(id))).toBe(false)
    expect((await t.post('externalcontact/batch/get_by_user', { userid_list: ['alice'], cursor: 'garbage' })).errcode).toBe(40058)
  })

  it('remark: 20/150 character limits, 84061 without a relation, logged', async () => {
    t = setupSandbox()
    const { ids } = await t.customersVia(['alice'], 1)
    const base = { userid: 'alice', external_userid: ids[0] }
    expect((await t.post('externalcontact/remark', { ...base, remark: '备'.repeat(21) })).errcode).toBe(40058)
    expect((await t.post('externalcontact/remark', { ...base, description: 'd'.repeat(151) })).errcode).toBe(40058)
    expect((await t.post('externalcontact/remark', base)).errcode).toBe(40058)
    expect((await t.post('externalcontact/remark', { userid: 'bob', external_userid: ids[0], remark: 'x' })).errcode).toBe(84061)
    const ok = await t.post('externalcontact/remark', {
      ...base,
      remark: '备'.repeat(20),
      description: 'd'.repeat(150),
      remark_mobiles: ['13800000000'],
    })
    expect(ok.errcode).toBe(0)
    const got = await t.get('externalcontact/get', { external_userid: ids[0] })
    expect(got.follow_user[0]).toMatchObject({ remark: '备'.repeat(20), remark_mobiles: ['13800000000'] })
    expect((await t.post('externalcontact/remark', { ...base, remark_mobiles: [''] })).errcode).toBe(0)
    expect((await t.get('externalcontact/get', { external_userid: ids[0] })).follow_user[0].remark_mobiles).toEqual([])
    expect(t.control.logs({ kind: 'remark' }).items).toHaveLength(2)
  })

  it('keeps a one-way relation visible after the customer deletes the member, drops it when the member deletes', async () => {
    t = setupSandbox()
    const { ids } = await t.customersVia(['alice'], 2)
    await t.control.customerDeletesStaff(t.corp.corpid, { userid: 'alice', external_userid: ids[0] })
    expect((await t.get('externalcontact/list', { userid: 'alice' })).external_userid).toEqual(ids)
    await t.control.staffDeletesCustomer(t.corp.corpid, { userid: 'alice', external_userid: ids[1] })
    expect((await t.get('externalcontact/list', { userid: 'alice' })).external_userid).toEqual([ids[0]])
    expect((await t.get('externalcontact/get', { external_userid: ids[1] })).errcode).toBe(84061)
  })
})
