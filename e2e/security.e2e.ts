// The Content-Security-Policy in a real browser: the admin (login, dashboard) and the H5 page render without a single
// violation, the H5 page may load WeChat's JS-SDK, and a script from any other origin is blocked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BrowserContext, Page } from 'playwright-core'
import { openSession, watchConsole, type BrowserSession } from './harness'

interface Violation {
  directive: string
  blocked: string
  source: string
}

declare global {
  interface Window {
    __cspViolations: Violation[]
    __wxLoaded?: boolean
  }
}

let session: BrowserSession | undefined

beforeAll(async () => {
  session = await openSession()
})
afterAll(async () => session?.close())

/** Every violation the page reports, from before its first script runs; plus the console lines Chromium writes for them. */
async function watchCsp(context: BrowserContext, page: Page) {
  await context.addInitScript(() => {
    window.__cspViolations = []
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cspViolations.push({ directive: e.violatedDirective, blocked: e.blockedURI, source: `${e.sourceFile}:${e.lineNumber}` })
    })
  })
  const consoleLines: string[] = []
  page.on('console', (msg) => {
    if (/Content Security Policy/i.test(msg.text())) consoleLines.push(msg.text())
  })
  return {
    violations: () => page.evaluate(() => window.__cspViolations),
    consoleLines,
  }
}

/** Adds a <script src> the way a page would and waits for it to load or be refused. */
function loadScript(page: Page, src: string): Promise<'load' | 'error'> {
  return page.evaluate(
    (url) =>
      new Promise<'load' | 'error'>((resolve) => {
        const s = document.createElement('script')
        s.src = url
        s.onload = () => resolve('load')
        s.onerror = () => resolve('error')
        document.head.appendChild(s)
      }),
    src,
  )
}

describe('content security policy', () => {
  it('the admin login page, the dashboard and every menu section render with no CSP violation', async () => {
    const { page, context, server } = session!
    const csp = await watchCsp(context, page)
    const res = await page.goto(`${server.url}/web/login`)
    expect(res!.headers()['content-security-policy']).toContain("script-src 'self';")
    expect(res!.headers()['x-frame-options']).toBe('DENY')
    await page.getByRole('button', { name: '登 录' }).waitFor()
    // element-plus's own styling applied (its stylesheet loaded from 'self').
    expect(await page.getByRole('button', { name: '登 录' }).evaluate((b) => getComputedStyle(b).display)).not.toBe('inline')

    await page.getByPlaceholder('用户名').fill(server.admin.username)
    await page.getByPlaceholder('密码').fill(server.admin.password)
    await page.getByRole('button', { name: '登 录' }).click()
    await page.waitForURL(/\/web\/dashboard$/)
    await page.getByText('平台管理员').first().waitFor()
    // Popper-positioned overlays write inline styles: open one.
    await page.getByTestId('org-switcher').click()
    await page.getByRole('option').first().waitFor()
    await page.keyboard.press('Escape')
    // Every section once (tables, forms, tags, progress bars), through the menu like a user.
    const menu = page.getByTestId('side-menu').getByRole('menuitem')
    const titles = (await menu.allTextContents()).map((t) => t.trim()).filter(Boolean)
    expect(titles.length).toBeGreaterThan(10)
    for (const title of titles) {
      await page.getByTestId('side-menu').getByRole('menuitem', { name: title, exact: true }).click()
      await page.locator('.page-title', { hasText: title }).waitFor()
      await page.waitForLoadState('networkidle')
    }

    expect(await csp.violations()).toEqual([])
    expect(csp.consoleLines).toEqual([])
    expect(session!.console.unexpected()).toEqual([])
  })

  it("the H5 page renders with no violation, loads WeChat's JS-SDK, and a script from elsewhere is blocked", async () => {
    const { browser, server } = session!
    const context = await browser.newContext({ viewport: { width: 375, height: 812 }, isMobile: true, locale: 'zh-CN' })
    try {
      const page = await context.newPage()
      const watch = watchConsole(page)
      const csp = await watchCsp(context, page)
      // No internet here: answer the SDK's URL locally. Routing happens after the browser's CSP check, so this proves
      // the policy lets the request out.
      await context.route('https://res.wx.qq.com/**', (route) =>
        route.fulfill({ contentType: 'application/javascript', body: 'window.__wxLoaded = true' }),
      )
      await context.route('https://evil.example/**', (route) =>
        route.fulfill({ contentType: 'application/javascript', body: 'window.__evil = true' }),
      )

      const res = await page.goto(`${server.url}/h5/`)
      expect(res!.headers()['content-security-policy']).toContain("script-src 'self' https://res.wx.qq.com;")
      await page.getByRole('heading', { name: '员工消息提醒绑定' }).waitFor()
      await page.locator('[data-testid="h5-status"][data-state="no-org"]').waitFor()
      expect(await csp.violations()).toEqual([])

      expect(await loadScript(page, 'https://res.wx.qq.com/open/js/jweixin-1.6.0.js')).toBe('load')
      expect(await page.evaluate(() => window.__wxLoaded)).toBe(true)
      expect(await csp.violations()).toEqual([])

      expect(await loadScript(page, 'https://evil.example/x.js')).toBe('error')
      const after = await csp.violations()
      expect(after.map((v) => [v.directive, v.blocked])).toEqual([['script-src-elem', 'https://evil.example/x.js']])
      // The blocked script is the only console complaint.
      watch.allow((p) => p.text.includes('evil.example'))
      expect(watch.unexpected()).toEqual([])
    } finally {
      await context.close()
    }
  })
})
