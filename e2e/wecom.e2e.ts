// The WeCom pages in a real browser against the real server and the mounted sandbox (demo org linked to the demo corp):
// config + 测试连接, tag sync, a 「联系我」 way created through the drawer, its QR (preview + download), a simulated scan,
// the new customer with its source tag and timeline, a remark edit, and the way's stats chart. Each test signs in afresh
// and makes what it needs through the API (idempotently), so any one of them can run alone or in another order.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Locator, Page } from 'playwright-core'
import { openSession, screenshot, type BrowserSession, type TestServer, apiCaller, menuItem, toast, signInAsAdmin } from './harness'

const CHANNEL = { name: '小红书', state: 'xiaohongshu' }
const STAFF = { userid: 'ZhangLi', name: '张丽' }
const WECOM_TAG = 'A级意向'
/** Added by hand in the customer drawer. */
const EXTRA_TAG = 'B级意向'
const WELCOME = '您好，欢迎咨询医美项目！'
const CUSTOMER = '扫码测试客户'
const SOURCE_TAG = `来源:企业微信-${CHANNEL.name}`
/** The stats test's own way and customer, so its counts are exact whatever ran before. */
const STATS_CHANNEL = { name: '朋友圈', state: 'pengyouquan' }

let server: TestServer
let page: Page
let consoleWatch: BrowserSession['console']
/** Console problems already reported by an earlier test. */
const consoleSeen = new Set<unknown>()

let session: BrowserSession | undefined

beforeAll(async () => {
  session = await openSession()
  ;({ server, page, console: consoleWatch } = session)
})

afterAll(async () => session?.close())

// Every test leaves the console clean: the problems it caused are reported with it, not at the end.
afterEach(() => {
  const all = consoleWatch.unexpected()
  const fresh = all.filter((p) => !consoleSeen.has(p))
  for (const p of fresh) consoleSeen.add(p)
  expect(fresh).toEqual([])
})

/** tRPC calls with the page's session cookie, for a test's own setup. */
const trpc = apiCaller(() => ({ page, baseUrl: server.url }))

/** A fresh admin session on the dashboard (the old page is left first, so its requests do not fail mid-flight). */
const start = () => signInAsAdmin(page, server)

/** The connection test syncs the WeCom members (idempotent). */
const syncStaff = () => trpc('mutation', 'wecomConfig.test')
const syncTags = () => trpc('mutation', 'tags.refresh')

interface WayView {
  id: number
  state: string
  counts: { added: number }
}

async function findWay(state: string): Promise<WayView | undefined> {
  const { items } = await trpc<{ items: WayView[] }>('query', 'contactWays.list', { q: state, pageSize: 100 })
  return items.find((w) => w.state === state)
}

async function wecomTagId(name: string): Promise<string> {
  const groups = await trpc<{ source: string; tags: { name: string; tagId: string | null }[] }[]>('query', 'tags.list')
  const tag = groups
    .filter((g) => g.source === 'wecom')
    .flatMap((g) => g.tags)
    .find((t) => t.name === name)
  if (!tag?.tagId) throw new Error(`no WeCom tag ${name}`)
  return tag.tagId
}

/** A single-member way like the one the drawer test creates; reused when it exists. */
async function ensureWay(channel = CHANNEL): Promise<WayView> {
  const found = await findWay(channel.state)
  if (found) return found
  await syncStaff()
  await syncTags()
  return trpc<WayView>('mutation', 'contactWays.create', {
    channelName: channel.name,
    state: channel.state,
    type: 1,
    userIds: [STAFF.userid],
    welcome: { text: WELCOME },
    tagIds: [await wecomTagId(WECOM_TAG)],
  })
}

const customerCount = async (name: string) => (await trpc<{ total: number }>('query', 'customers.list', { q: name })).total

/** A customer who scanned the way, with the add callback processed. */
async function ensureScannedCustomer() {
  const way = await ensureWay()
  if ((await customerCount(CUSTOMER)) === 0) await trpc('mutation', 'contactWays.simulateScan', { id: way.id, name: CUSTOMER })
  await expect.poll(() => customerCount(CUSTOMER), { timeout: 15_000 }).toBeGreaterThan(0)
}

const menu = (title: string) => menuItem(page, title)
const toastOf = (text: string | RegExp) => toast(page, text)
/** The table row of the contact way created below. */
// The demo corp's own codes are imported by the sync as 外部创建 rows and may carry the same states: skip them.
const wayRow = () => page.locator('.el-table__body tr', { hasText: CHANNEL.state, hasNotText: '外部创建' })

async function open(title: string, path: RegExp) {
  await menu(title).click()
  await page.waitForURL(path)
}

/**
 * Picks an option of an element-plus select by its visible label. A multiple select stays open after a pick, so a
 * click on `closeBy` (outside the dropdown) closes it; Escape would close the whole drawer.
 */
async function pick(select: Locator, option: string, closeBy?: Locator) {
  await select.click()
  await page.getByRole('option', { name: option, exact: true }).click()
  if (closeBy) {
    await closeBy.click()
    await page.getByRole('option', { name: option, exact: true }).waitFor({ state: 'hidden' })
  }
}

/** The scanned customer's row on the customer page, once it carries both the source tag and the way's WeCom tag. */
async function customerRow(): Promise<Locator> {
  await open('客户', /\/web\/customers$/)
  await page.getByTestId('customer-search').fill(CUSTOMER)
  const row = page.locator('.el-table__body tr', { hasText: CUSTOMER }).first()
  // The callback worker may still be at it: search again until the row (with both tags) is there.
  await expect
    .poll(
      async () => {
        await page.getByRole('button', { name: '查询' }).click()
        await page.locator('.el-table .el-loading-mask').waitFor({ state: 'hidden' })
        return (await row.count()) > 0 && (await row.getByText(SOURCE_TAG).count()) > 0 && (await row.getByText(WECOM_TAG).count()) > 0
      },
      { timeout: 20_000, interval: 1000 },
    )
    .toBe(true)
  return row
}

async function shot(name: string) {
  await screenshot(page, name)
}

describe('WeCom pages', () => {
  it('logs the seeded admin in', async () => {
    await page.goto('about:blank')
    await page.context().clearCookies()
    await page.goto(`${server.url}/web/login`)
    await page.getByPlaceholder('用户名').fill(server.admin.username)
    await page.getByPlaceholder('密码').fill(server.admin.password)
    await page.getByRole('button', { name: '登 录' }).click()
    await page.waitForURL(/\/web\/dashboard$/)
    // The dashboard's customer numbers load for the demo org.
    await page.getByTestId('customer-numbers').getByText('客户总数').waitFor()
  })

  it('企业微信配置: shows the linked corp with masked secrets, and 测试连接 succeeds with the staff count', async () => {
    await start()
    await open('企业微信配置', /\/web\/wecom-config$/)
    const form = page.getByTestId('wecom-config-form')
    const corpId = form.getByLabel('企业ID（CorpID）')
    await expect.poll(() => corpId.inputValue()).not.toBe('')
    const corp = await corpId.inputValue()
    await page.getByTestId('wecom-status').getByText(corp).waitFor()
    // Secrets are never sent back: blank inputs whose placeholder shows the masked stored value.
    const secret = form.getByLabel('客户联系 Secret')
    expect(await secret.inputValue()).toBe('')
    expect(await secret.getAttribute('placeholder')).toContain('留空则不修改')
    expect(await page.getByTestId('callback-url').inputValue()).toMatch(/\/api\/wework\/callback\//)

    // A wrong format is refused in the browser (shared zod rule).
    await form.getByLabel('EncodingAESKey').fill('too-short')
    await form.getByRole('button', { name: '保存配置' }).click()
    await form.getByText('EncodingAESKey 必须是 43 位英文或数字').waitFor()
    await form.getByRole('button', { name: '随机生成' }).click()
    await expect.poll(() => form.getByLabel('EncodingAESKey').inputValue()).toMatch(/^[a-zA-Z0-9]{43}$/)
    await form.getByLabel('EncodingAESKey').fill('')

    await page.getByRole('button', { name: '测试连接' }).click()
    await toastOf(/连接成功，可联系客户的成员 \d+ 人/).waitFor()
    await page.getByTestId('wecom-test-ok').waitFor()
    await page
      .getByTestId('wecom-last-test')
      .getByText(/连接成功/)
      .waitFor()
    await page.getByTestId('wecom-status').getByText('有效').waitFor()
    await shot('wecom-config')
  })

  it('成员: lists the synced members by name', async () => {
    await start()
    await syncStaff()
    await open('成员', /\/web\/staff$/)
    const row = page.locator('.el-table__body tr', { hasText: STAFF.userid })
    await row.getByText(STAFF.name).waitFor()
    await row.getByText('在职').waitFor()
  })

  it('标签: syncs the corp tags from WeCom', async () => {
    await start()
    await open('标签', /\/web\/tags$/)
    await page.getByTestId('sync-tags').click()
    await toastOf(/已同步企业微信标签/).waitFor()
    await page.getByTestId('tag-section-wecom').getByTestId(`tag-${WECOM_TAG}`).waitFor()
    await shot('tags')
  })

  it('联系我: creates a way through the drawer (preset, one member, welcome text, one WeCom tag)', async () => {
    await start()
    await syncStaff()
    await syncTags()
    // The state is unique per org: a way left by another test gives way to the one made here.
    const old = await findWay(CHANNEL.state)
    if (old) await trpc('mutation', 'contactWays.remove', { id: old.id })
    await open('联系我', /\/web\/contact-ways$/)
    await page.getByTestId('create-contact-way').click()
    const drawer = page.getByTestId('contact-way-drawer')
    await drawer.getByText('新建渠道活码').waitFor()

    // Field rules from contactWayCreateInput run before any request.
    await drawer.getByTestId('contact-way-submit').click()
    await drawer.getByText('请输入渠道名称').waitFor()
    await drawer.getByText('单人类型必须且只能选择 1 名成员').waitFor()

    await drawer.getByTestId('channel-presets').getByRole('button', { name: CHANNEL.name }).click()
    expect(await drawer.getByLabel('渠道标识 state').inputValue()).toBe(CHANNEL.state)
    const title = drawer.locator('.el-drawer__title')
    await pick(drawer.getByTestId('way-staff-select'), `${STAFF.name}（${STAFF.userid}）`, title)
    await drawer.getByTestId('welcome-text').fill(WELCOME)
    await pick(drawer.getByTestId('way-tag-select'), WECOM_TAG, title)
    await drawer.getByText(`来源:企业微信-${CHANNEL.name}`).waitFor()
    // Opening the selects scrolled the drawer; the screenshot shows it from the top.
    await drawer.locator('.el-drawer__body').evaluate((el) => el.scrollTo(0, 0))
    await drawer.evaluate((el) => el.scrollTo(0, 0))
    await shot('contact-way-drawer')

    await drawer.getByTestId('contact-way-submit').click()
    await toastOf(`已创建渠道活码「${CHANNEL.name}」`).waitFor()
    await drawer.waitFor({ state: 'hidden' })
    const row = wayRow()
    await row.getByText(CHANNEL.name).waitFor()
    await row.getByText(STAFF.name).waitFor()
    await row.getByText('单人').waitFor()
    await shot('contact-ways')
  })

  it('previews the QR image and downloads it as a PNG attachment', async () => {
    await start()
    await ensureWay()
    await open('联系我', /\/web\/contact-ways$/)
    await wayRow().getByRole('button', { name: '二维码' }).click()
    const dialog = page.getByTestId('qr-dialog')
    await dialog.getByTestId('qr-image').waitFor()
    await page.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>('[data-testid="qr-image"]')
      return !!img && img.complete && img.naturalWidth > 0
    })
    await dialog.locator('.el-loading-mask').waitFor({ state: 'detached' })
    await shot('contact-way-qr')

    const href = await dialog.getByTestId('qr-download').getAttribute('href')
    expect(href).toMatch(/^\/api\/contact-ways\/\d+\/qr\.png$/)
    // page.request shares the browser context's cookies (the session).
    const res = await page.request.get(`${server.url}${href}`)
    expect(res.status()).toBe(200)
    expect(res.headers()['content-type']).toBe('image/png')
    expect(res.headers()['content-disposition']).toMatch(/^attachment;/)
    expect((await res.body()).subarray(1, 4).toString('latin1')).toBe('PNG')
    await dialog.locator('.el-dialog__footer').getByRole('button', { name: '关闭' }).click()
    await dialog.waitFor({ state: 'hidden' })
  })

  it('edits the way: type is fixed, the remark is saved', async () => {
    await start()
    await ensureWay()
    await open('联系我', /\/web\/contact-ways$/)
    await wayRow().getByRole('button', { name: '编辑' }).click()
    const drawer = page.getByTestId('contact-way-drawer')
    await drawer.getByText('编辑渠道活码').waitFor()
    expect(await drawer.getByTestId('welcome-text').inputValue()).toBe(WELCOME)
    expect(await drawer.getByRole('radio', { name: '多人' }).isDisabled()).toBe(true)
    await drawer.getByLabel('备注').fill('小红书笔记渠道')
    await drawer.getByTestId('contact-way-submit').click()
    await toastOf(`已保存「${CHANNEL.name}」`).waitFor()
    await drawer.waitFor({ state: 'hidden' })
    await wayRow().getByText('小红书笔记渠道').waitFor()
  })

  it('creates a temporary-chat way (validity checked in the browser) and deletes it after confirming', async () => {
    await start()
    await syncStaff()
    await open('联系我', /\/web\/contact-ways$/)
    await page.getByTestId('create-contact-way').click()
    const drawer = page.getByTestId('contact-way-drawer')
    await drawer.getByText('新建渠道活码').waitFor()
    await drawer.getByTestId('channel-presets').getByRole('button', { name: '抖音' }).click()
    await pick(drawer.getByTestId('way-staff-select'), '王芳（WangFang）', drawer.locator('.el-drawer__title'))
    await drawer.getByTestId('way-is-temp').click()
    const days = drawer.getByTestId('way-expires').locator('input')
    await days.nth(0).fill('0')
    await days.nth(0).blur()
    await drawer.getByTestId('contact-way-submit').click()
    await drawer.getByText('请设置二维码有效期').waitFor()
    await days.nth(0).fill('3')
    await days.nth(0).blur()
    await drawer.getByTestId('way-conclusion').fill('感谢咨询，祝您生活愉快')
    await drawer.getByTestId('contact-way-submit').click()
    await toastOf('已创建渠道活码「抖音」').waitFor()
    const row = page.locator('.el-table__body tr', { hasText: 'douyin', hasNotText: '外部创建' })
    await row.getByText('临时会话').waitFor()

    await row.getByRole('button', { name: '删除' }).click()
    await page.locator('.el-popconfirm').getByRole('button', { name: '删除' }).click()
    await toastOf('已删除「抖音」').waitFor()
    await row.waitFor({ state: 'detached' })
  })

  it('模拟扫码: a sandbox customer scans the QR code', async () => {
    await start()
    const before = (await ensureWay()).counts.added
    await open('联系我', /\/web\/contact-ways$/)
    await wayRow().getByRole('button', { name: '模拟扫码' }).click()
    const box = page.getByRole('dialog', { name: /模拟扫码/ })
    await box.locator('input').fill(CUSTOMER)
    await box.getByRole('button', { name: '扫码' }).click()
    await toastOf(new RegExp(`已模拟客户扫码添加 ${STAFF.name}`)).waitFor()
    // The add callback is processed in the background; the list's counts follow.
    await wayRow()
      .getByTestId('way-added')
      .getByText(String(before + 1), { exact: true })
      .waitFor({ timeout: 15_000 })
  })

  it('客户: the new customer appears with the channel source tag and the way’s WeCom tag', async () => {
    await start()
    await ensureScannedCustomer()
    const row = await customerRow()
    await row.getByText(CHANNEL.name, { exact: true }).waitFor()
    await row.getByText(STAFF.name).waitFor()
    await shot('customers')
  })

  it('客户: 立即同步 runs the org’s sync; the bar then shows 上次同步 with its outcome and counts', async () => {
    await start()
    await ensureScannedCustomer()
    await open('客户', /\/web\/customers$/)
    const bar = page.getByTestId('customer-sync-bar')
    await bar.getByText(/每天 \d\d:00 自动同步|自动同步已关闭/).waitFor()
    await bar.getByTestId('customer-sync-now').click()
    await toastOf('已开始同步，可在此查看进度').waitFor()
    const summary = bar.getByTestId('customer-sync-summary')
    await summary.waitFor({ timeout: 30_000 })
    await bar.getByText('成功').waitFor({ timeout: 30_000 })
    await expect.poll(async () => (await summary.textContent()) ?? '').toMatch(/新增 \d+ · 更新 \d+ · 未变 \d+ · 流失 \d+/)
    await shot('customers-sync')
  })

  it('opens the profile drawer: follow card, source tag, timeline entry; a remark edit and a tag added there reach WeCom', async () => {
    await start()
    await syncTags()
    await ensureScannedCustomer()
    await (await customerRow()).locator('td').nth(4).click()
    const drawer = page.getByTestId('customer-drawer')
    await drawer.getByText(`客户详情 · ${CUSTOMER}`).waitFor()
    const follow = drawer.getByTestId(`follow-${STAFF.userid}`)
    await follow.getByText('扫描二维码').waitFor()
    await follow.getByText(CHANNEL.state).waitFor()
    await follow.getByText(WECOM_TAG).waitFor()
    await drawer.getByTestId('crm-tags').getByText(SOURCE_TAG).waitFor()
    const timeline = drawer.getByTestId('customer-timeline')
    await timeline.getByText('添加客户').first().waitFor()

    await follow.getByRole('button', { name: '编辑备注' }).click()
    await follow.getByLabel('备注').fill('玻尿酸意向-e2e')
    await follow.getByRole('button', { name: '保存' }).click()
    await toastOf('备注已保存到企业微信').waitFor()
    await follow.getByText('玻尿酸意向-e2e').waitFor()
    // The edit reached WeCom itself: the sandbox logged an externalcontact/remark call with the new text.
    const remarks = (await (await page.request.get(`${server.url}/sandbox/control/logs/remark`)).json()) as {
      items: { userid: string; changes: { remark?: string } }[]
    }
    expect(remarks.items.some((r) => r.userid === STAFF.userid && r.changes.remark === '玻尿酸意向-e2e')).toBe(true)

    // A WeCom tag added in the drawer goes through mark_tag before it shows on the relation.
    await follow.locator('.tag-picker').click()
    await page.locator('.el-select-dropdown:visible').getByRole('option', { name: EXTRA_TAG, exact: true }).click()
    await toastOf(`已添加标签「${EXTRA_TAG}」`).waitFor()
    await follow.getByText(EXTRA_TAG).waitFor()
    const marks = (await (await page.request.get(`${server.url}/sandbox/control/logs/mark_tag`)).json()) as {
      items: { userid: string; add_tag: string[] }[]
    }
    expect(marks.items.filter((m) => m.userid === STAFF.userid && m.add_tag.length === 1).length).toBeGreaterThanOrEqual(1)
    await timeline.scrollIntoViewIfNeeded()
    await shot('customer-detail')
    // The close button, not Escape: focus may still sit in the tag picker, which takes the key itself.
    await drawer.locator('.el-drawer__close-btn').click()
    await drawer.waitFor({ state: 'hidden' })
  })

  it('联系我 统计: the chart shows the day’s added customer', async () => {
    await start()
    // Its own way with exactly one scan, so the numbers do not depend on what other tests scanned.
    const way = await ensureWay(STATS_CHANNEL)
    if (way.counts.added === 0) await trpc('mutation', 'contactWays.simulateScan', { id: way.id, name: '统计测试客户' })
    await expect.poll(async () => (await findWay(STATS_CHANNEL.state))?.counts.added, { timeout: 15_000 }).toBe(1)
    await open('联系我', /\/web\/contact-ways$/)
    await page
      .locator('.el-table__body tr', { hasText: STATS_CHANNEL.state, hasNotText: '外部创建' })
      .getByRole('button', { name: '统计' })
      .click()
    const dialog = page.getByTestId('stats-dialog')
    await dialog.getByTestId('stats-chart').locator('canvas').waitFor()
    await expect.poll(() => dialog.getByTestId('stats-added').locator('.el-statistic__number').textContent()).toBe('1')
    expect(await dialog.getByTestId('stats-net').locator('.el-statistic__number').textContent()).toBe('1')
    // The canvas animates its bars in (about 1 s); the screenshot waits for the drawn state.
    await page.waitForTimeout(1200)
    await shot('contact-way-stats')
  })
})
