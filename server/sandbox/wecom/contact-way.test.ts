// 「联系我」 rules: required type, user counts, 30-char limits, temp-chat rules, listing, QR image, close_temp_chat.
import request from 'supertest'
import { afterEach, describe, expect, it } from 'vitest'
import { TEST_BASE_URL, type TestSandbox, setupSandbox } from '../testing'

let t: TestSandbox
afterEach(async () => t?.sandbox.close())

describe('add_contact_way', () => {
  it('rejects what the platform rejects', async () => {
    t = setupSandbox()
    const add = (body: object) => t.post('externalcontact/add_contact_way', body)
    expect((await add({ scene: 2, user: ['alice'] })).errcode).toBe(41037)
    expect((await add({ type: 3, scene: 2, user: ['alice'] })).errcode).toBe(40058)
    expect((await add({ type: 1, scene: 2, user: ['alice', 'bob'] })).errcode).toBe(40058)
    expect((await add({ type: 1, scene: 2, user: [] })).errcode).toBe(40058)
    expect((await add({ type: 1, scene: 2, user: ['alice'], remark: '一'.repeat(31) })).errcode).toBe(40058)
    expect((await add({ type: 1, scene: 2, user: ['alice'], state: 'x'.repeat(31) })).errcode).toBe(40058)
    expect((await add({ type: 1, scene: 2, user: ['alice'], state: '状'.repeat(30) })).errcode).toBe(0)
    expect((await add({ type: 1, scene: 2, user: ['nobody'] })).errcode).toBe(60111)
    expect((await add({ type: 1, scene: 2, user: ['bad user!'] })).errcode).toBe(40003)
    expect((await add({ type: 1, scene: 2, user: ['dave'] })).errcode).toBe(84074)
    expect((await add({ type: 2, scene: 2, party: [99] })).errcode).toBe(60123)
    expect((await add({ type: 2, scene: 2, user: ['alice', 'bob'], is_temp: true })).errcode).toBe(40058)
    expect((await add({ type: 1, scene: 2, user: ['alice'], is_temp: true, expires_in: 14 * 86400 + 1 })).errcode).toBe(40058)
    expect((await add({ type: 1, scene: 2, user: ['alice'], is_temp: true, chat_expires_in: 14 * 86400 + 1 })).errcode).toBe(40058)
    expect((await add({ type: 1, scene: 2, user: ['alice'], conclusions: { text: { content: 'bye' } } })).errcode).toBe(40058)
    expect((await add({ type: 1, scene: 2, user: ['alice'], is_temp: true, conclusions: {} })).errcode).toBe(40058)
  })

  it('limits a way to 100 members after expanding departments', async () => {
    t = setupSandbox()
    t.control.addMembers(t.corp.corpid, {
      departments: [{ id: 7, name: '大部门' }],
      members: Array.from({ length: 101 }, (_, i) => ({ userid: `m${i}`, name: `员工${i}`, department: [7] })),
    })
    expect((await t.post('externalcontact/add_contact_way', { type: 2, scene: 2, party: [7] })).errcode).toBe(40058)
    expect((await t.post('externalcontact/add_contact_way', { type: 2, scene: 2, user: ['m1', 'm2'] })).errcode).toBe(0)
  })

  it('creates, reads, updates, lists (without temp ways) and deletes', async () => {
    t = setupSandbox()
    const created = await t.post('externalcontact/add_contact_way', {
      type: 2,
      scene: 2,
      user: ['alice', 'bob'],
      remark: '小红书',
      state: 'xiaohongshu',
    })
    expect(created.errcode).toBe(0)
    expect(created.config_id).toMatch(/^[0-9a-f]{32}$/)
    expect(created.qr_code).toBe(`${TEST_BASE_URL}/sandbox/wecom/qr/${created.config_id}.png`)

    const got = await t.post('externalcontact/get_contact_way', { config_id: created.config_id })
    expect(got.contact_way).toMatchObject({
      config_id: created.config_id,
      type: 2,
      scene: 2,
      remark: '小红书',
      state: 'xiaohongshu',
      skip_verify: true,
      user: ['alice', 'bob'],
      party: [],
      is_temp: false,
      qr_code: created.qr_code,
    })

    expect(
      (await t.post('externalcontact/update_contact_way', { config_id: created.config_id, state: 'douyin', user: ['carol'] })).errcode,
    ).toBe(0)
    expect((await t.post('externalcontact/get_contact_way', { config_id: created.config_id })).contact_way).toMatchObject({
      state: 'douyin',
      user: ['carol'],
    })
    expect((await t.post('externalcontact/update_contact_way', { config_id: created.config_id, remark: 'r'.repeat(31) })).errcode).toBe(
      40058,
    )

    const temp = await t.post('externalcontact/add_contact_way', {
      type: 1,
      scene: 2,
      user: ['alice'],
      is_temp: true,
      conclusions: { text: { content: '再见' } },
    })
    expect(temp.errcode).toBe(0)
    const tempView = (await t.post('externalcontact/get_contact_way', { config_id: temp.config_id })).contact_way
    expect(tempView).toMatchObject({
      is_temp: true,
      expires_in: 7 * 86400,
      chat_expires_in: 86400,
      conclusions: { text: { content: '再见' } },
    })

    const miniprogramWay = await t.post('externalcontact/add_contact_way', { type: 1, scene: 1, style: 2, user: ['bob'] })
    expect(miniprogramWay.qr_code).toBeUndefined()

    const list = await t.post('externalcontact/list_contact_way', {})
    expect(list.contact_way.map((w: { config_id: string }) => w.config_id)).toEqual([created.config_id, miniprogramWay.config_id])
    expect(list.next_cursor).toBe('')

    expect((await t.post('externalcontact/del_contact_way', { config_id: created.config_id })).errcode).toBe(0)
    expect((await t.post('externalcontact/get_contact_way', { config_id: created.config_id })).errcode).toBe(40058)
  })

  it('pages list_contact_way by cursor, clamping limit to 1000', async () => {
    t = setupSandbox()
    const ids: string[] = []
    for (let i = 0; i < 7; i++)
      ids.push((await t.post('externalcontact/add_contact_way', { type: 1, scene: 2, user: ['alice'] })).config_id)
    const seen: string[] = []
    let cursor = ''
    do {
      const page = await t.post('externalcontact/list_contact_way', { limit: 3, cursor })
      seen.push(...page.contact_way.map((w: { config_id: string }) => w.config_id))
      cursor = page.next_cursor
    } while (cursor)
    expect(seen).toEqual(ids)
    expect((await t.post('externalcontact/list_contact_way', { limit: 5000 })).contact_way).toHaveLength(7)
    // Ways older than the default 90-day window drop out.
    t.clock.advance(91 * 86400_000)
    expect((await t.post('externalcontact/list_contact_way', {}, await t.token())).contact_way).toHaveLength(0)
  })

  it('serves the QR code as a PNG that names the config_id', async () => {
    t = setupSandbox()
    const created = await t.post('externalcontact/add_contact_way', { type: 1, scene: 2, user: ['alice'] })
    const png = await request(t.app).get(new URL(created.qr_code).pathname).buffer(true)
    expect(png.status).toBe(200)
    expect(png.headers['content-type']).toBe('image/png')
    expect(png.body.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
    const page = await request(t.app).get(`/sandbox/wecom/scan/${created.config_id}`)
    expect(page.text).toContain(created.config_id)
    expect((await request(t.app).get('/sandbox/wecom/qr/nope.png')).status).toBe(404)
  })

  it('spends a temp-chat way on its first friend and closes the chat once', async () => {
    t = setupSandbox()
    const temp = await t.post('externalcontact/add_contact_way', {
      type: 1,
      scene: 2,
      user: ['alice'],
      is_temp: true,
      conclusions: { text: { content: '感谢咨询' } },
    })
    const scanned = await t.control.scan(t.corp.corpid, { config_id: temp.config_id })
    await expect(t.control.scan(t.corp.corpid, { config_id: temp.config_id })).rejects.toThrow(/already been used/)
    const close = { userid: 'alice', external_userid: scanned.external_userid }
    expect((await t.post('externalcontact/close_temp_chat', close)).errcode).toBe(0)
    expect((await t.post('externalcontact/close_temp_chat', close)).errcode).toBe(40058)
    expect(t.control.logs({ kind: 'temp_chat' }).items).toMatchObject([{ userid: 'alice', conclusions: { text: { content: '感谢咨询' } } }])
  })
})
