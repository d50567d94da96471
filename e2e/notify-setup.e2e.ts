// 短信配置 and the 员工 binding QR in a real browser against the real server and the mounted sandbox: the demo org's SMS
// settings are changed and saved (SecretKey left blank keeps it), 测试发送 reports the platform's refusal in Chinese and
// then reaches the sandbox inbox; the 员工 page's 绑定二维码 dialog shows the QR and downloads a print-size poster; 公众号配置
// sets the 绑定手机号 menu entry on the demo account.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { DEMO_SMS } from '../server/sandbox/sms/index'
import { screenshot, SCREENSHOT_DIR, type TestServer, menuItem, toast, signInAsAdmin, sessionPerFile } from './harness'

let server: TestServer
let page: Page
sessionPerFile((s) => {
  ;({ server, page } = s)
})

const menu = (title: string) => menuItem(page, title)
const toastOf = (text: string | RegExp) => toast(page, text)

interface InboxMessage {
  phone: string
  sign_name: string
  template_id: string
  params: string[]
  text: string
}

async function inbox(mobile: string): Promise<InboxMessage[]> {
  const res = await page.request.get(`${server.url}/sandbox/control/sms/inbox?phone=${mobile}`)
  expect(res.ok()).toBe(true)
  return ((await res.json()) as { messages: InboxMessage[] }).messages
}

/** Width and height from a PNG's IHDR chunk. */
function pngSize(png: Buffer): [number, number] {
  expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a')
  return [png.readUInt32BE(16), png.readUInt32BE(20)]
}

describe('消息通知 setup', () => {
  it('短信配置: saves with the key kept, 测试发送 shows the refusal, then reaches the sandbox inbox', async () => {
    await signInAsAdmin(page, server)
    await menu('短信配置').click()
    await page.waitForURL(/\/web\/sms-config$/)
    const form = page.getByTestId('sms-form')
    await page.getByTestId('sms-template-rules').getByText('医疗、美容').waitFor()

    // The demo org is linked to the sandbox's demo SMS app: the stored values show, the key only masked.
    await expect.poll(() => form.getByLabel('SDK AppID').inputValue()).toBe(DEMO_SMS.smsSdkAppId)
    expect(await form.getByLabel('SecretKey').inputValue()).toBe('')
    expect(await form.getByLabel('SecretKey').getAttribute('placeholder')).toContain('留空则不修改')
    expect(await page.content()).not.toContain(DEMO_SMS.secretKey)

    // A signature still under review: saved, and the test send is refused with the platform's reason.
    const mobile = `137${String(Date.now()).slice(-8)}`
    await form.getByLabel('短信签名').fill('示例诊所测试')
    await form.getByRole('button', { name: '保存配置' }).click()
    await toastOf('短信配置已保存').waitFor()
    const status = page.getByTestId('sms-status')
    await page.getByTestId('sms-test-mobile').fill('12345')
    await status.getByRole('button', { name: '测试发送' }).click()
    await page.getByTestId('sms-test-error').getByText('请输入 11 位手机号').waitFor()
    await page.getByTestId('sms-test-mobile').fill(mobile)
    await status.getByRole('button', { name: '测试发送' }).click()
    await page
      .getByTestId('sms-test-error')
      .getByText(/签名不正确或未通过审核.*SignatureIncorrectOrUnapproved/)
      .waitFor()
    expect(await inbox(mobile)).toEqual([])

    // The approved signature: the code reaches the number, sent with the kept SecretKey.
    await form.getByLabel('短信签名').fill(DEMO_SMS.signName)
    await form.getByRole('button', { name: '保存配置' }).click()
    await toastOf('短信配置已保存').waitFor()
    await status.getByRole('button', { name: '测试发送' }).click()
    const ok = page.getByTestId('sms-test-ok')
    await ok.waitFor()
    const code = /验证码 (\d{6})/.exec((await ok.textContent()) ?? '')?.[1]
    expect(code).toMatch(/^\d{6}$/)
    const received = await inbox(mobile)
    expect(received).toHaveLength(1)
    expect(received[0]).toMatchObject({ phone: `+86${mobile}`, sign_name: DEMO_SMS.signName, template_id: DEMO_SMS.codeTemplateId })
    expect(received[0]!.params).toEqual([code, '5'])
    expect(received[0]!.text).toContain(`【${DEMO_SMS.signName}】${code}`)
    await screenshot(page, 'sms-config')
  })

  it('员工: 绑定二维码 shows the org’s H5 link as a QR and downloads a poster ≥ 600 px', async () => {
    await menu('员工').click()
    await page.waitForURL(/\/web\/employees$/)
    await page.locator('.el-table').getByText('关注公众号').waitFor()
    await page.getByTestId('binding-qr').click()
    const dialog = page.getByTestId('binding-qr-dialog')
    const img = dialog.getByTestId('binding-qr-img')
    await img.waitFor()
    await expect.poll(() => img.evaluate((el: HTMLImageElement) => (el.complete ? el.naturalWidth : 0))).toBe(640)
    expect(await dialog.getByTestId('binding-qr-url').inputValue()).toBe(`${server.url}/h5/?org=demo-clinic`)
    await dialog.getByText('微信扫码绑定手机号，接收消息提醒').waitFor()

    const [download] = await Promise.all([page.waitForEvent('download'), dialog.getByTestId('binding-qr-download').click()])
    expect(download.suggestedFilename()).toMatch(/绑定二维码\.png$/)
    const [width, height] = pngSize(readFileSync((await download.path())!))
    expect(width).toBeGreaterThanOrEqual(600)
    expect(height).toBeGreaterThan(width)
    await download.saveAs(join(SCREENSHOT_DIR, 'binding-poster.png'))
    await screenshot(page, 'employees-binding-qr')
    await dialog.getByRole('button', { name: '关闭', exact: true }).click()
    await dialog.waitFor({ state: 'hidden' })
  })
  it('公众号配置: 设置公众号菜单 puts 绑定手机号 → the org’s H5 page on the demo account', async () => {
    await menu('公众号配置').click()
    await page.waitForURL(/\/web\/oa-config$/)
    const card = page.getByTestId('oa-menu')
    await card.getByText('公众号尚未设置自定义菜单').waitFor()
    await card.getByText(`${server.url}/h5/?org=demo-clinic`).waitFor()
    await card.getByTestId('oa-menu-setup').click()
    await page.locator('.el-message-box').getByRole('button', { name: '设置' }).click()
    await toastOf('公众号菜单已设置').waitFor()
    await card.getByText('已包含绑定入口').waitFor()
    await card.getByTestId('oa-menu-buttons').getByText('绑定手机号').waitFor()
    await card.scrollIntoViewIfNeeded()
    await card.screenshot({ path: join(SCREENSHOT_DIR, 'oa-menu.png') })
  })
})
