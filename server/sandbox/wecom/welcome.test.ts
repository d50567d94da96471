// Welcome codes: valid 20 s from issue and usable once (41051 otherwise); content limits; the send is logged.
import { afterEach, describe, expect, it } from 'vitest'
import { type TestSandbox, setupSandbox } from '../testing'

let t: TestSandbox
afterEach(async () => t?.sandbox.close())

describe('send_welcome_msg', () => {
  it('accepts a code once within 20 s, then answers 41051', async () => {
    t = setupSandbox()
    const way = await t.post('externalcontact/add_contact_way', { type: 1, scene: 2, user: ['alice'], state: 'xiaohongshu' })
    const scan = await t.control.scan(t.corp.corpid, { config_id: way.config_id })
    expect(scan.welcome_code).toBeTruthy()
    expect(scan.delivery).toBeNull()
    t.clock.advance(19_000)
    const ok = await t.post('externalcontact/send_welcome_msg', { welcome_code: scan.welcome_code, text: { content: '您好，欢迎咨询' } })
    expect(ok).toMatchObject({ errcode: 0, errmsg: 'ok' })
    const twice = await t.post('externalcontact/send_welcome_msg', { welcome_code: scan.welcome_code, text: { content: '再来一次' } })
    expect(twice.errcode).toBe(41051)

    const late = await t.control.scan(t.corp.corpid, { config_id: way.config_id })
    t.clock.advance(20_001)
    expect((await t.post('externalcontact/send_welcome_msg', { welcome_code: late.welcome_code, text: { content: 'hi' } })).errcode).toBe(
      41051,
    )
    expect((await t.post('externalcontact/send_welcome_msg', { welcome_code: 'never-issued', text: { content: 'hi' } })).errcode).toBe(
      41051,
    )

    const log = t.control.logs({ kind: 'welcome' }).items
    expect(log).toEqual([
      expect.objectContaining({
        welcome_code: scan.welcome_code,
        userid: 'alice',
        external_userid: scan.external_userid,
        text: { content: '您好，欢迎咨询' },
      }),
    ])
  })

  it('checks content before spending the code', async () => {
    t = setupSandbox()
    const { configId } = await t.customersVia(['alice'], 0)
    const scan = await t.control.scan(t.corp.corpid, { config_id: configId })
    const code = scan.welcome_code
    expect((await t.post('externalcontact/send_welcome_msg', { welcome_code: code })).errcode).toBe(40058)
    expect((await t.post('externalcontact/send_welcome_msg', { welcome_code: code, text: { content: '字'.repeat(1334) } })).errcode).toBe(
      40058,
    )
    const link = { msgtype: 'link', link: { title: '门店地址', url: 'https://example.com' } }
    expect((await t.post('externalcontact/send_welcome_msg', { welcome_code: code, attachments: Array(10).fill(link) })).errcode).toBe(
      40058,
    )
    expect(
      (
        await t.post('externalcontact/send_welcome_msg', {
          welcome_code: code,
          attachments: [{ msgtype: 'image', image: { media_id: 'nope' } }],
        })
      ).errcode,
    ).toBe(40007)
    expect((await t.post('externalcontact/send_welcome_msg', { welcome_code: code, attachments: [{ msgtype: 'gif' }] })).errcode).toBe(
      40008,
    )
    expect(
      (
        await t.post('externalcontact/send_welcome_msg', {
          welcome_code: code,
          text: { content: '字'.repeat(1333) },
          attachments: Array(9).fill(link),
        })
      ).errcode,
    ).toBe(0)
  })
})
