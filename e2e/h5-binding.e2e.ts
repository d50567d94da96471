// The staff H5 binding in Chromium as WeChat at 375×667: sandbox OAuth → follow hint → SMS code from the sandbox inbox → bind → the admin's 员工 page shows it bound.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { BrowserContext, Page } from 'playwright-core'
import { apiCaller, menuItem, openSession, screenshot, signInAsAdmin, watchConsole, type BrowserSession } from './harness'

const WECHAT_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.50(0x1800322c) NetType/WIFI Language/zh_CN'

declare global {
  interface Window {
    __wxConfig?: { appId: string; signature: string; jsApiList: string[] }
    __wxClosed?: boolean
  }
}

let session: BrowserSession
let phone: BrowserContext
let h5: Page
let watch: ReturnType<typeof watchConsole>

beforeAll(async () => {
  session = await openSession()
  phone = await session.browser.newContext({
    viewport: { width: 375, height: 667 },
    isMobile: true,
    hasTouch: true,
    locale: 'zh-CN',
    userAgent: WECHAT_UA,
  })
  // No internet here: WeChat's JS-SDK is answered by a stand-in that records what the page asks of it.
  await phone.route('https://res.wx.qq.com/**', (route) =>
    route.fulfill({
      contentType: 'application/javascript',
      body: 'window.wx={config:function(c){window.__wxConfig=c},ready:function(f){setTimeout(f,0)},error:function(){},closeWindow:function(){window.__wxClosed=true}}',
    }),
  )
  h5 = await phone.newPage()
  watch = watchConsole(h5)
})
afterAll(async () => {
  await phone?.close()
  await session?.close()
})
afterEach(() => {
  expect(watch.unexpected()).toEqual([])
  expect(session.console.unexpected()).toEqual([])
})

const control = async <T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> => {
  const res = await fetch(`${session.server.url}/sandbox/control${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  expect(res.ok, path).toBe(true)
  return (await res.json()) as T
}

describe('H5 binding page', () => {
  it('binds an employee end to end inside "WeChat" and the admin sees it bound', async () => {
    const { page, server } = session
    await signInAsAdmin(page, server)
    const trpc = apiCaller(() => ({ page, baseUrl: server.url }))
    const mobile = `135${String(Date.now()).slice(-8)}`
    await trpc('mutation', 'employees.create', { name: '前台小美', mobile })

    // No session: the server sends the phone to the (sandbox) authorize page; a new, not yet following user enters.
    await h5.goto(`${server.url}/h5/?org=demo-clinic`)
    await h5.waitForURL(/\/sandbox\/oa\/connect\/oauth2\/authorize/)
    await h5.locator('#new input[name="nickname"]').fill('小美的微信')
    await h5.locator('#new button').click()
    // The browser keeps the authorize URL's #wechat_redirect across the redirects, as WeChat's does.
    await h5.waitForURL(/\/h5\/\?org=demo-clinic(#.*)?$/)

    const hint = h5.getByTestId('follow-hint')
    await hint.getByRole('img', { name: '关注公众号二维码' }).waitFor()
    expect(await h5.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375)
    await screenshot(h5, 'h5-follow-hint')

    // The fan follows (the sandbox plays WeChat), then says so on the page.
    const [account] = await control<{ appid: string }[]>('GET', '/oa/accounts')
    const fans = await control<{ openid: string; nickname: string }[]>('GET', `/oa/accounts/${account!.appid}/fans`)
    const fan = fans.find((f) => f.nickname === '小美的微信')!
    await control('POST', `/oa/accounts/${account!.appid}/fans/${fan.openid}/follow`, { wait: true })
    await hint.getByRole('button', { name: '我已关注' }).click()
    await hint.waitFor({ state: 'detached' })

    const form = h5.locator('[data-testid="h5-status"][data-state="form"]')
    await form.getByPlaceholder('管理员登记的手机号').fill('13000000000')
    await form.getByRole('button', { name: '获取验证码' }).click()
    await form.getByRole('alert').filter({ hasText: '该手机号未登记，请联系管理员' }).waitFor()
    watch.allow((p) => p.text.includes('400'))

    await form.getByPlaceholder('管理员登记的手机号').fill(mobile)
    await form.getByRole('button', { name: '获取验证码' }).click()
    await form
      .getByRole('status')
      .filter({ hasText: `已发送至 ${mobile.slice(0, 3)}****${mobile.slice(7)}` })
      .waitFor()
    await form.getByRole('button', { name: /秒后重发/ }).waitFor()
    const inbox = await control<{ messages: { params: string[]; text: string }[] }>('GET', `/sms/inbox?phone=${mobile}`)
    expect(inbox.messages).toHaveLength(1)
    expect(inbox.messages[0]!.text).toContain('绑定验证码')
    await form.getByPlaceholder('6 位数字').fill(inbox.messages[0]!.params[0]!)
    await screenshot(h5, 'h5-bind-form')
    await form.getByRole('button', { name: '绑定' }).click()

    await h5.locator('[data-testid="h5-status"][data-state="done"]').getByText('绑定成功').waitFor()
    await screenshot(h5, 'h5-bound')
    // The page signed wx.config for itself and closed itself after the success.
    await h5.waitForFunction(() => window.__wxClosed === true)
    const cfg = await h5.evaluate(() => window.__wxConfig)
    expect(cfg!.appId).toBe(account!.appid)
    expect(cfg!.signature).toMatch(/^[0-9a-f]{40}$/)

    // Opened again: the bound state with 解除绑定.
    await h5.reload()
    await h5.locator('[data-testid="h5-status"][data-state="bound"]').getByText('前台小美').waitFor()

    await menuItem(page, '员工').click()
    await page.waitForURL(/\/web\/employees$/)
    const row = page.locator('.el-table__body tr', { hasText: mobile })
    await row.getByText('已绑定').waitFor()
    await screenshot(page, 'employees-bound')
  })

  it('tells a page opened without an org where to come from, and keeps the H5 scripts under 60 KB gzipped', async () => {
    await h5.goto(`${session.server.url}/h5/`)
    await h5.locator('[data-testid="h5-status"][data-state="no-org"]').getByText('绑定二维码').waitFor()
    const html = readFileSync(join('dist', 'h5', 'index.html'), 'utf8')
    const scripts = [...html.matchAll(/(?:src|href)="\/?(assets\/[^"]+\.js)"/g)].map((m) => m[1]!)
    expect(scripts.length).toBeGreaterThan(0)
    const gz = scripts.reduce((n, s) => n + gzipSync(readFileSync(join('dist', s))).length, 0)
    expect(gz).toBeLessThanOrEqual(60 * 1024)
    const text = scripts.map((s) => readFileSync(join('dist', s), 'utf8')).join('\n')
    expect(text).not.toMatch(/element-plus|ElConfigProvider/)
  })
})
