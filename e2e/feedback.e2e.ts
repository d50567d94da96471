// Honest feedback under platform limits in a real browser: with the sandbox answering 45009, 测试连接 and 创建 say so in Chinese
// at once; a 联系我 save cancelled by closing its drawer is stopped on the server and nothing appears later; and no admin
// page shows a raw procedure, job, queue kind or cron expression.
import { describe, expect, it } from 'vitest'
import type { Locator, Page } from 'playwright-core'
import { screenshot, type BrowserSession, type TestServer, apiCaller, menuItem, signInAsAdmin, toast, sessionPerFile } from './harness'

let server: TestServer
let page: Page
let consoleWatch: BrowserSession['console']
sessionPerFile((s) => {
  ;({ server, page, console: consoleWatch } = s)
})

const trpc = apiCaller(() => ({ page, baseUrl: server.url }))
const STAFF = { userid: 'ZhangLi', name: '张丽' }
const RATE_LIMITED = '企业微信接口调用过于频繁，请约 60 秒后再试'

async function control(method: 'PUT' | 'DELETE' | 'GET', path: string, data?: unknown) {
  const res = await page.request.fetch(`${server.url}/sandbox/control${path}`, { method, data })
  if (!res.ok()) throw new Error(`sandbox ${method} ${path}: HTTP ${res.status()}`)
  return res.json()
}
const setFaults = (rules: unknown[]) => control('PUT', '/faults', { rules })
const clearFaults = () => control('DELETE', '/faults')
const resetCounters = () => control('DELETE', '/counters')
async function calls(endpoint: string): Promise<number> {
  const counters = (await control('GET', '/counters')) as { endpoints: Record<string, { calls: number }> }
  return counters.endpoints[endpoint]?.calls ?? 0
}

async function open(title: string, path: RegExp) {
  await menuItem(page, title).click()
  await page.waitForURL(path)
}

/** Picks an option of an element-plus select by its label; a click on `closeBy` closes a multiple select afterwards. */
async function pick(select: Locator, option: string, closeBy: Locator) {
  await select.click()
  await page.getByRole('option', { name: option, exact: true }).click()
  await closeBy.click()
  await page.getByRole('option', { name: option, exact: true }).waitFor({ state: 'hidden' })
}

/** The create drawer filled with a single-member way for `state`, ready for 创建. */
async function fillWay(channelName: string, state: string) {
  await open('联系我', /\/web\/contact-ways$/)
  await page.getByTestId('create-contact-way').click()
  const drawer = page.getByTestId('contact-way-drawer')
  await drawer.getByText('新建渠道活码').waitFor()
  await drawer.getByLabel('渠道名称').fill(channelName)
  await drawer.getByLabel('渠道标识 state').fill(state)
  await pick(drawer.getByTestId('way-staff-select'), `${STAFF.name}（${STAFF.userid}）`, drawer.locator('.el-drawer__title'))
  return drawer
}

async function wayCount(state: string): Promise<number> {
  const { items } = await trpc<{ items: { state: string }[] }>('query', 'contactWays.list', { q: state, pageSize: 100 })
  return items.filter((w) => w.state === state).length
}

describe('WeCom says no', () => {
  it('测试连接 under 45009 shows the Chinese retry message within 3 s', async () => {
    await signInAsAdmin(page, server)
    await trpc('mutation', 'wecomConfig.test')
    await setFaults([{ endpoint: 'externalcontact/get_follow_user_list', errorRate: 1, errorCodes: [45009] }])
    try {
      await open('企业微信配置', /\/web\/wecom-config$/)
      const button = page.getByTestId('wecom-status').getByRole('button', { name: '测试连接' })
      await button.click()
      await page.getByTestId('wecom-test-error').getByText(RATE_LIMITED).waitFor({ timeout: 3000 })
      await page.getByTestId('wecom-last-test').getByText(RATE_LIMITED).waitFor()
      await screenshot(page, 'feedback-wecom-test-45009')
    } finally {
      await clearFaults()
    }
  })

  it('创建 a 联系我 under 45009 shows the message in the drawer within 3 s and creates nothing', async () => {
    await signInAsAdmin(page, server)
    await trpc('mutation', 'wecomConfig.test')
    const drawer = await fillWay('限流测试', 'ratelimited')
    // The refusal is the point of this test: the browser logs the 429 it answered with.
    consoleWatch.allow((p) => /status of 429/.test(p.text) && p.url.includes('contactWays.create'))
    await resetCounters()
    await setFaults([{ endpoint: 'externalcontact/add_contact_way', errorRate: 1, errorCodes: [45009] }])
    try {
      await drawer.getByTestId('contact-way-submit').click()
      await drawer.getByTestId('contact-way-error').getByText(RATE_LIMITED).waitFor({ timeout: 3000 })
      expect(await calls('externalcontact/add_contact_way')).toBe(1)
      await screenshot(page, 'feedback-contact-way-45009')
    } finally {
      await clearFaults()
    }
    expect(await wayCount('ratelimited')).toBe(0)
  })

  it('a 创建 cancelled by closing the drawer is stopped before its next attempt: nothing appears later', async () => {
    await signInAsAdmin(page, server)
    await trpc('mutation', 'wecomConfig.test')
    const drawer = await fillWay('取消测试', 'cancelled')
    await resetCounters()
    // WeCom is slow and busy: the first attempt answers -1 after a while, so the server would try again.
    await setFaults([{ endpoint: 'externalcontact/add_contact_way', errorRate: 1, errorCodes: [-1], latencyMs: 1500 }])
    try {
      await drawer.getByTestId('contact-way-submit').click()
      await drawer.getByRole('button', { name: '正在创建…' }).waitFor()
      await expect.poll(() => calls('externalcontact/add_contact_way')).toBe(1)
      await drawer.locator('.el-drawer__close-btn').click()
      await toast(page, '已取消保存').waitFor()
    } finally {
      // From here on WeCom would accept: a retry the server still made would create the code.
      await clearFaults()
    }
    // Longer than the first answer plus the longest interactive backoff: a retry would have happened by now.
    await page.waitForTimeout(4000)
    expect(await calls('externalcontact/add_contact_way')).toBe(1)
    expect(await wayCount('cancelled')).toBe(0)
    await expect(page.locator('.el-table__body tr', { hasText: 'cancelled' }).count()).resolves.toBe(0)
  })
})

/** Every admin page of the menu (a platform admin acting in the demo org sees them all). */
const PAGES = [
  'dashboard',
  'customers',
  'tags',
  'broadcasts',
  'wecom-config',
  'contact-ways',
  'staff',
  'oa-config',
  'sms-config',
  'push-configs',
  'leads',
  'api-keys',
  'employees',
  'notify-settings',
  'notifications',
  'inbox',
  'announcements',
  'jobs',
  'queue',
  'audit',
  'users',
  'orgs',
]

/** Code names in visible text: dotted identifiers (procedures, queue kinds), result fields, five-field cron expressions. */
function leftovers(text: string): string[] {
  const cleaned = text
    .replace(/https?:\/\/\S+/g, ' ')
    .replace(/[\w.+-]+@[\w-]+(\.[\w-]+)+/g, ' ')
    // Host names and file names are what they are (clinic.example.com, qr.png).
    .replace(/\b[\w-]+(\.[\w-]+)*\.(com|cn|net|org|test|local|png|jpg|csv|xlsx|txt)\b/g, ' ')
    .replace(/\/\S+/g, ' ')
  const found = [
    ...(cleaned.match(/\b[a-z]+\.[a-zA-Z]+\b/g) ?? []),
    ...(cleaned.match(/wecom\.|failedOrgs/g) ?? []),
    // Space-separated (table cells are tab-separated numbers) and with at least one * — 「30 3 * * *」.
    ...(cleaned.match(/(?<![^\s])([\d*/,-]+ ){4}[\d*/,-]+(?![^\s])/g) ?? []).filter((s) => s.includes('*')),
  ]
  return [...new Set(found)]
}

describe('Chinese everywhere', () => {
  it('no admin page shows a raw procedure, job or queue name, result field or cron expression', async () => {
    await signInAsAdmin(page, server)
    // Something on every list: audited mutations, job runs with summaries, queue rows.
    await trpc('mutation', 'wecomConfig.test')
    await trpc('mutation', 'tags.refresh')
    await trpc('mutation', 'jobs.runNow', { name: 'purge-queue' })
    await trpc('mutation', 'jobs.runNow', { name: 'sync-customers' })
    await expect
      .poll(
        async () => (await trpc<{ items: { status: string }[] }>('query', 'jobs.runs', { jobName: 'sync-customers' })).items[0]?.status,
        {
          timeout: 30_000,
        },
      )
      .toBe('succeeded')
    const found: string[] = []
    for (const path of PAGES) {
      await page.goto(`${server.url}/web/${path}`)
      await page.locator('.el-main, main').first().waitFor()
      await page.waitForLoadState('networkidle')
      await page
        .locator('.el-loading-mask')
        .first()
        .waitFor({ state: 'hidden' })
        .catch(() => undefined)
      if (path === 'queue') {
        await page.getByRole('radio', { name: '全部' }).click({ force: true })
        await page.waitForLoadState('networkidle')
      }
      const text = await page.locator('body').innerText()
      for (const hit of leftovers(text)) found.push(`${path}: ${hit}`)
    }
    expect(found).toEqual([])
    // The scan saw real entries: the audit log names the connection test in Chinese, and its filter offers that name.
    await page.goto(`${server.url}/web/audit`)
    await page.locator('.el-table__body').getByText('测试企业微信连接').first().waitFor()
    await page.goto(`${server.url}/web/jobs`)
    await page.getByText('每天 03:30').first().waitFor()
    await page
      .getByText(/机构 \d+ 个/)
      .first()
      .waitFor()
    await screenshot(page, 'labels-jobs')
  })
})
