// 公众号配置 in a real browser against the real server and the mounted sandbox: an Official Account created through the
// sandbox control API is saved with its demo values (and an MP_verify file picked in the browser), then 测试连接
// succeeds and the templates table lists the seeded templates with their key types.
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { screenshot, type TestServer, menuItem, toast, signInAsAdmin, sessionPerFile } from './harness'

const VERIFY_FILE = { name: 'MP_verify_e2eTest123.txt', content: 'e2eTest123' }

let server: TestServer
let page: Page
sessionPerFile((s) => {
  ;({ server, page } = s)
})

const menu = (title: string) => menuItem(page, title)
const toastOf = (text: string | RegExp) => toast(page, text)

interface SandboxAccount {
  appid: string
  secret: string
  name: string
}

describe('公众号配置', () => {
  it('saves the account with the sandbox values and 测试连接 succeeds; the templates show their keys', async () => {
    const res = await page.request.post(`${server.url}/sandbox/control/oa/accounts`, {
      data: { name: 'E2E 测试公众号', oauth_domain: 'h5.clinic.test' },
    })
    expect(res.ok()).toBe(true)
    const account = (await res.json()) as SandboxAccount

    await signInAsAdmin(page, server)
    await menu('公众号配置').click()
    await page.waitForURL(/\/web\/oa-config$/)

    const form = page.getByTestId('oa-form')
    await form.getByLabel('公众号名称').fill(account.name)
    // A wrong AppID is refused in the browser (shared zod rule).
    await form.getByLabel('AppID').fill('not-an-appid')
    await form.getByRole('button', { name: '保存配置' }).click()
    await form.getByText('AppID 格式不正确').waitFor()
    await form.getByLabel('AppID').fill(account.appid)
    await form.getByLabel('AppSecret').fill(account.secret)
    await form.getByLabel('令牌(Token)').fill('e2eToken2026')
    await form.getByRole('button', { name: '生成' }).click()
    await expect.poll(() => form.getByLabel('EncodingAESKey').inputValue()).toMatch(/^[a-zA-Z0-9]{43}$/)
    await form.getByLabel('网页授权域名').fill('h5.clinic.test')
    await page.getByTestId('oa-verify-file-input').setInputFiles({
      name: VERIFY_FILE.name,
      mimeType: 'text/plain',
      buffer: Buffer.from(`${VERIFY_FILE.content}\n`),
    })
    await page.getByTestId('oa-verify-file-name').getByText(VERIFY_FILE.name).waitFor()
    await form.getByRole('button', { name: '保存配置' }).click()
    await toastOf('公众号配置已保存').waitFor()

    // Saved: secrets come back masked, the server URL is there, the verification file is served at the root.
    expect(await form.getByLabel('AppSecret').inputValue()).toBe('')
    expect(await form.getByLabel('AppSecret').getAttribute('placeholder')).toContain('留空则不修改')
    expect(await page.getByTestId('oa-callback-url').inputValue()).toMatch(/\/api\/wechat\/callback\//)
    const file = await page.request.get(`${server.url}/${VERIFY_FILE.name}`)
    expect(file.ok()).toBe(true)
    expect((await file.text()).trim()).toBe(VERIFY_FILE.content)

    await page.getByRole('button', { name: '测试连接' }).click()
    await toastOf(/连接成功，已有模板 \d+ 个/).waitFor()
    await page.getByTestId('oa-test-ok').waitFor()
    await page.getByTestId('oa-status').getByText('有效').waitFor()
    const templates = page.getByTestId('oa-templates')
    await templates.getByText('thing1').first().waitFor()
    await templates.getByText('keyword1').first().waitFor()
    await screenshot(page, 'oa-config')
  })
})
