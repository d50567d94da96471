// The admin shell and the H5 page in a real browser against the real server: login, menu, org switch, jobs,
// users, audit log, deep links, wrong password, logout, and the H5 page at 375 px without element-plus. Each test signs in
// afresh and makes the users and records it looks at, so any one of them can run alone or in another order.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { openSession, screenshot, watchConsole, type BrowserSession, type TestServer, apiCaller, menuItem, signInAsAdmin } from './harness'

const MENU = [
  '概览',
  '企业微信配置',
  '联系我',
  '成员',
  '客户',
  '标签',
  '群发',
  '公众号配置',
  '短信配置',
  '推送配置',
  '线索',
  'API 密钥',
  '员工',
  '通知设置',
  '通知记录',
  '站内信',
  '公告',
  '任务',
  '队列',
  '审计日志',
  '用户管理',
  '组织管理',
]
const DEMO_ORG = '示例医美诊所'
const SECOND_ORG = { name: '城南分院', slug: 'chengnan', admin: 'chengnan_admin' }
const ORG_ADMIN = { username: 'clinic_admin', displayName: '诊所管理员', password: 'clinic-pass-2026' }
/** The org admin the login test signs in as; made through the API by that test, apart from the one the dialog creates. */
const ORG_LEAD = { username: 'clinic_lead', displayName: '诊所主管', password: 'lead-pass-2026' }

let server: TestServer
let browser: Browser
let page: Page
let consoleWatch: BrowserSession['console']
const otherWatches: Array<ReturnType<typeof watchConsole>> = []
/** Console problems already reported by an earlier test. */
const consoleSeen = new Set<unknown>()

let session: BrowserSession | undefined

beforeAll(async () => {
  session = await openSession()
  ;({ server, browser, page, console: consoleWatch } = session)
})

afterAll(async () => session?.close())

// Every test leaves the console clean (the expected ones allowed): its problems are reported with it, not at the end.
afterEach(() => {
  const all = [...consoleWatch.unexpected(), ...otherWatches.flatMap((w) => w.unexpected())]
  const fresh = all.filter((p) => !consoleSeen.has(p))
  for (const p of fresh) consoleSeen.add(p)
  expect(fresh).toEqual([])
})

/** tRPC calls with the page's session cookie, for a test's own setup. */
const trpc = apiCaller(() => ({ page, baseUrl: server.url }))

/** No session, the page on nothing (so the old page's requests do not fail mid-flight and log errors). */
async function signOut() {
  await page.goto('about:blank')
  await page.context().clearCookies()
}

/** A fresh platform-admin session (acting in the demo org) on the dashboard. */
const start = () => signInAsAdmin(page, server)

async function login(p: Page, username: string, password: string) {
  await p.getByPlaceholder('用户名').fill(username)
  await p.getByPlaceholder('密码').fill(password)
  await p.getByRole('button', { name: '登 录' }).click()
}

const headerTitle = (p: Page) => p.locator('.page-title')

describe('admin shell', () => {
  it('sends a visitor to the login page and logs the seeded admin in through the form', async () => {
    await signOut()
    await page.goto(`${server.url}/`)
    await page.waitForURL(/\/web\/login/)
    await page.getByRole('button', { name: '登 录' }).waitFor()
    // Client-side validation from the shared zod schema, before any request.
    await page.getByRole('button', { name: '登 录' }).click()
    await page.getByText('请输入用户名').waitFor()
    await screenshot(page, 'login')

    await login(page, server.admin.username, server.admin.password)
    await page.waitForURL(/\/web\/dashboard$/)
    await page.getByText('平台管理员').first().waitFor()
  })

  it('shows every menu section and the org the admin is acting in', async () => {
    await start()
    for (const title of MENU) await menuItem(page, title).waitFor()
    expect(await page.locator('.el-menu-item-group__title').allTextContents()).toEqual(['企业微信', '客户运营', '消息通知', '系统'])
    // A platform admin starts out in the first active org (the demo clinic).
    await page.getByTestId('current-org').getByText(DEMO_ORG).waitFor()
    await page.getByText(`当前机构：${DEMO_ORG}`).waitFor()
    await screenshot(page, 'dashboard')
  })

  it('组织管理: creates an org with its first admin; the header switches to it (its data loads) and back', async () => {
    await start()
    await menuItem(page, '组织管理').click()
    await page.waitForURL(/\/web\/orgs$/)
    await page.locator('.el-table__body').getByText(DEMO_ORG).waitFor()
    await page.getByRole('button', { name: '新建机构' }).click()
    const dialog = page.getByRole('dialog', { name: '新建机构' })
    await dialog.getByLabel('机构名称').fill(SECOND_ORG.name)
    await dialog.getByLabel('机构标识').fill('Bad Slug')
    await dialog.getByLabel('用户名').click()
    await dialog.getByText('标识只能包含小写字母、数字和 -').waitFor()
    await dialog.getByLabel('机构标识').fill(SECOND_ORG.slug)
    await dialog.getByLabel('用户名').fill(SECOND_ORG.admin)
    await dialog.getByLabel('姓名').fill('城南管理员')
    await dialog.getByLabel('初始密码').fill('chengnan-pass-1')
    await dialog.getByRole('button', { name: '创建' }).click()
    await page.getByText(`机构「${SECOND_ORG.name}」已创建`).waitFor()
    const row = page.locator('.el-table__body tr', { hasText: SECOND_ORG.name })
    await row.getByText(SECOND_ORG.slug).waitFor()

    await page.getByTestId('org-switcher').click()
    await page.getByRole('option', { name: SECOND_ORG.name }).click()
    await page.getByText(`已切换到机构：${SECOND_ORG.name}`).waitFor()
    await page.getByTestId('current-org').getByText(SECOND_ORG.name).waitFor()
    await menuItem(page, '用户管理').click()
    await page.locator('.el-table__body').getByText(SECOND_ORG.admin).waitFor()

    await page.getByTestId('org-switcher').click()
    await page.getByRole('option', { name: DEMO_ORG }).click()
    await page.getByText(`已切换到机构：${DEMO_ORG}`).waitFor()
    // The page remounts for the new org: the other org's admin is gone from the list.
    await page.locator('.el-table__body').getByText(SECOND_ORG.admin).waitFor({ state: 'detached' })
  })

  it('shows 页面不存在 for an unknown admin path, with the way back to 概览', async () => {
    await start()
    await page.goto(`${server.url}/web/no-such-page`)
    await page.getByRole('main').getByText('页面不存在').waitFor()
    await page.getByRole('button', { name: '返回概览' }).click()
    await page.waitForURL(/\/web\/dashboard$/)
  })

  it('任务: lists the jobs and runs one now, with its run in the history', async () => {
    await start()
    await menuItem(page, '任务').click()
    await page.waitForURL(/\/web\/jobs$/)
    const card = page.getByTestId('job-purge-queue')
    await card.getByText('清理已完成的后台任务').waitFor()
    await card.getByText('从未执行').waitFor()
    await card.getByRole('button', { name: '立即执行' }).click()
    await page.getByText(/已开始执行「清理已完成的后台任务」/).waitFor()
    // Polling picks up the finished run: the card and the history both show success.
    await card.getByText('成功').waitFor({ timeout: 10_000 })
    const row = page.locator('.runs .el-table__body tr').first()
    await row.getByText('成功').waitFor()
    expect(await row.textContent()).toContain('手动')
    // Finished: the button is ready for the next run.
    await card.getByRole('button', { name: '立即执行' }).waitFor()
    expect(await card.getByRole('button', { name: '立即执行' }).isEnabled()).toBe(true)
    await screenshot(page, 'jobs')
  })

  it('用户管理: creates an org admin through the dialog', async () => {
    await start()
    await menuItem(page, '用户管理').click()
    await page.waitForURL(/\/web\/users$/)
    await page.getByRole('button', { name: '新建用户' }).click()
    const dialog = page.getByRole('dialog', { name: '新建用户' })
    await dialog.getByLabel('用户名').fill(ORG_ADMIN.username)
    await dialog.getByLabel('姓名').fill(ORG_ADMIN.displayName)
    await dialog.getByText('机构管理员').click()
    // The shared password rule (min 8) runs in the browser first.
    await dialog.getByLabel('初始密码').fill('short')
    await dialog.getByRole('button', { name: '创建' }).click()
    await dialog.getByText('密码至少 8 位').waitFor()
    await dialog.getByLabel('初始密码').fill(ORG_ADMIN.password)
    await dialog.getByRole('button', { name: '创建' }).click()
    await page.getByText(`已创建用户 ${ORG_ADMIN.username}`).waitFor()
    await page.locator('.el-table__body').getByText(ORG_ADMIN.displayName).waitFor()
  })

  it('审计日志: shows what the admin did, with the input summary (secrets redacted) in an expandable row', async () => {
    await start()
    // What the admin did, made here: an org and a user (the newest rows, the list being newest first).
    await trpc('mutation', 'orgs.create', {
      name: '审计测试分院',
      slug: 'audit-probe',
      admin: { username: 'audit_probe_admin', displayName: '审计分院管理员', password: 'audit-pass-2026' },
    })
    await trpc('mutation', 'users.create', {
      username: 'audit_probe',
      displayName: '审计测试',
      password: 'audit-pass-2026',
      role: 'org_member',
    })
    await menuItem(page, '审计日志').click()
    await page.waitForURL(/\/web\/audit$/)
    const body = page.locator('.el-table__body')
    // Actions by their Chinese names (shared/labels.ts), never the procedure path.
    await body.getByText('新建机构', { exact: true }).first().waitFor()
    const row = body.locator('tr', { hasText: '新建用户' }).first()
    await row.locator('.el-table__expand-icon').click()
    await page.getByText('"username": "audit_probe"').waitFor()
    await page.getByText('"password": "[redacted]"').waitFor()
    expect(await page.locator('.el-pagination__total').textContent()).toMatch(/共 \d+ 条/)
    await screenshot(page, 'audit')
  })

  it('reloads a deep link (/web/audit) into the same page', async () => {
    await start()
    await page.goto(`${server.url}/web/audit`)
    await headerTitle(page).getByText('审计日志').waitFor()
    // The sign-in that start() made is a row of its own.
    await page.locator('.el-table__body').getByText('登录', { exact: true }).first().waitFor()
    await page.reload()
    await headerTitle(page).getByText('审计日志').waitFor()
    expect(page.url()).toBe(`${server.url}/web/audit`)
  })

  it('logs out to the login page, and the admin pages need a session again', async () => {
    await start()
    await page.getByTestId('user-menu').click()
    await page.getByRole('menuitem', { name: '退出登录' }).click()
    await page.waitForURL(/\/web\/login/)
    await page.goto(`${server.url}/web/users`)
    await page.waitForURL(/\/web\/login\?redirect=/)
    expect(new URL(page.url()).searchParams.get('redirect')).toBe('/users')
  })

  it('shows the server message for a wrong password, and the rate limit after repeated failures', async () => {
    // Failed logins answer 401/429, which Chromium logs as failed resources; those are expected.
    consoleWatch.allow((p) => p.url.includes('/trpc/auth.login') && /\b(401|429)\b/.test(p.text))
    await signOut()
    await page.goto(`${server.url}/web/login`)
    await login(page, server.admin.username, 'not-the-password')
    const error = page.getByTestId('login-error')
    await error.getByText('用户名或密码错误').waitFor()
    expect(page.url()).toContain('/web/login')

    // After five failures for one username the sixth attempt is refused (server: MAX_FAILURES_PER_USERNAME).
    for (let i = 0; i < 6; i++) {
      const answered = page.waitForResponse((r) => r.url().includes('/trpc/auth.login'))
      await login(page, 'ghost_user', `wrong-${i}`)
      await answered
    }
    await error.getByText(/登录失败次数过多，请 \d+ 分钟后再试/).waitFor()
  })

  it('an org admin logs in (back to the intended page), sees their login in the audit log and no org admin tools', async () => {
    await start()
    await trpc('mutation', 'users.create', { ...ORG_LEAD, role: 'org_admin' })
    await signOut()
    await page.goto(`${server.url}/web/users`)
    await page.waitForURL(/\/web\/login\?redirect=/)
    await login(page, ORG_LEAD.username, ORG_LEAD.password)
    await page.waitForURL(/\/web\/users$/)
    await page.getByTestId('current-org').getByText(DEMO_ORG).waitFor()
    expect(await page.getByTestId('org-switcher').count()).toBe(0)
    expect(await menuItem(page, '组织管理').count()).toBe(0)

    await menuItem(page, '审计日志').click()
    const loginRow = page.locator('.el-table__body tr', { hasText: '登录' }).first()
    await loginRow.waitFor()
    expect(await loginRow.textContent()).toContain(ORG_LEAD.username)
    expect(await loginRow.textContent()).toContain('成功')
  })
})

describe('H5 page', () => {
  it('loads at 375 px, shows its title and where to enter from, with no element-plus code or styles', async () => {
    const mobile = await browser.newContext({ viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true, locale: 'zh-CN' })
    try {
      const h5 = await mobile.newPage()
      const watch = watchConsole(h5)
      otherWatches.push(watch)
      const assets: string[] = []
      h5.on('response', (res) => {
        if (res.url().includes('/assets/')) assets.push(res.url())
      })
      await h5.goto(`${server.url}/h5/`)
      await h5.getByRole('heading', { name: '员工消息提醒绑定' }).waitFor()
      await h5.locator('[data-testid="h5-status"][data-state="no-org"]').waitFor()
      expect(await h5.title()).toBe('员工消息提醒绑定')
      // Mobile first: nothing wider than the viewport.
      expect(await h5.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375)

      expect(assets.length).toBeGreaterThan(0)
      for (const url of assets) {
        const text = await (await fetch(url)).text()
        expect(text, url).not.toMatch(/--el-color-primary|ElConfigProvider|element-plus/)
      }
      await screenshot(h5, 'h5')
    } finally {
      await mobile.close()
    }
  })
})
