// The 群发 page in a real browser against the real server and the mounted sandbox: compose text + a link to a tag filter,
// see the recipient count, send, confirm as staff in the sandbox (模拟确认), and see the results and the funnel update.
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { screenshot, type TestServer, apiCaller, menuItem, signInAsAdmin, toast, sessionPerFile, syncDemo } from './harness'

let server: TestServer
let page: Page
sessionPerFile((s) => {
  ;({ server, page } = s)
})

const trpc = apiCaller(() => ({ page, baseUrl: server.url }))

interface TagGroupView {
  name: string
  tags: { id: number; name: string; customerCount: number }[]
}

/** The demo corp's staff, tags and customers in the org's tables (what the nightly sync would have done). */
/** Signed in with the demo corp synced, once per file whichever test runs first. */
let ready: Promise<void> | undefined
const signedInAndSynced = () => (ready ??= signInAsAdmin(page, server).then(() => syncDemo(trpc, { refreshTags: true })))

describe('群发', () => {
  it('composes text + link to a tag filter, shows the count, sends, and shows results after the staff confirm', async () => {
    await signedInAndSynced()
    const groups = await trpc<TagGroupView[]>('query', 'tags.list')
    const tag = groups.flatMap((g) => g.tags).sort((a, b) => b.customerCount - a.customerCount)[0]
    expect(tag?.customerCount).toBeGreaterThan(0)
    const expected = await trpc<{ recipients: number; senders: number }>('query', 'broadcasts.preview', {
      targets: { kind: 'filter', filter: { tagIds: [tag.id], tagMode: 'any' } },
    })
    expect(expected.recipients).toBeGreaterThan(0)

    await menuItem(page, '群发').click()
    await page.waitForURL(/\/web\/broadcasts$/)
    await page.getByTestId('create-broadcast').click()
    const composer = page.getByTestId('broadcast-composer')
    await composer.getByTestId('broadcast-title').fill('浏览器群发')
    await composer.getByTestId('broadcast-text').fill('十二月会员日，护理项目八折')
    await composer.getByTestId('add-link').click()
    await composer.getByTestId('attachment-title').fill('活动详情')
    await composer.getByTestId('attachment-url').fill('https://example.com/december')
    await composer.getByTestId('broadcast-preview').getByText('活动详情').waitFor()

    await composer.getByTestId('target-tags').click()
    await page.getByRole('option', { name: tag.name, exact: true }).click()
    await composer.getByTestId('broadcast-title').click()
    await composer.getByTestId('recipient-count').getByText(`${expected.recipients} 位客户`).waitFor()
    await composer.getByTestId('broadcast-submit').click()
    await toast(page, '已开始发送').waitFor()

    const detail = page.getByTestId('broadcast-detail')
    await detail.getByTestId('detail-status').getByText('已提交').waitFor({ timeout: 15_000 })
    await detail.getByTestId('count-not_sent').getByText(String(expected.recipients), { exact: true }).waitFor()
    await detail.getByTestId('broadcast-remind').getByText('剩余 3 次').waitFor()
    await detail.getByTestId('broadcast-simulate-confirm').click()
    await toast(page, '沙箱员工已确认发送').waitFor()

    const { items } = await trpc<{ items: { id: number; title: string }[] }>('query', 'broadcasts.list', { pageSize: 10 })
    const id = items.find((b) => b.title === '浏览器群发')!.id
    const after = await trpc<{ funnel: { confirmed: number; delivered: number } }>('query', 'broadcasts.get', { id })
    expect(after.funnel.confirmed).toBe(expected.recipients)
    expect(after.funnel.delivered).toBeGreaterThan(0)
    await detail.getByTestId('count-sent').getByText(String(after.funnel.delivered), { exact: true }).waitFor()
    await detail.getByTestId('broadcast-senders').getByText('已确认').first().waitFor()
    await detail.getByTestId('broadcast-funnel').locator('canvas').waitFor()
    await screenshot(page, 'broadcasts')
  })

  it('sends to the rows selected on the customers page: the composer targets exactly those ids and shows their count', async () => {
    await signedInAndSynced()
    await page.keyboard.press('Escape')
    await menuItem(page, '客户').click()
    await page.waitForURL(/\/web\/customers$/)
    const rows = page.locator('.data-table .el-table__body tr')
    await rows.nth(2).waitFor()
    await expect.poll(() => page.getByTestId('broadcast-selected').isDisabled()).toBe(true)
    for (const i of [0, 2]) await rows.nth(i).locator('.el-checkbox').click()
    await page.getByTestId('broadcast-selected').getByText('群发给所选客户（2）').waitFor()
    await page.getByTestId('broadcast-selected').click()

    const composer = page.getByTestId('broadcast-composer')
    await composer.getByTestId('target-ids').getByText('指定客户（2）').waitFor()
    await composer.getByTestId('broadcast-title').fill('所选客户群发')
    await composer.getByTestId('broadcast-text').fill('您好，本周六有护理体验日')
    const count = composer.getByTestId('recipient-count').locator('strong')
    await count.waitFor()
    const shown = Number(await count.textContent())
    await composer.getByTestId('broadcast-save-draft').click()
    await toast(page, '已保存草稿').waitFor()

    const { items } = await trpc<{ items: { id: number; title: string }[] }>('query', 'broadcasts.list', { pageSize: 10 })
    const id = items.find((b) => b.title === '所选客户群发')!.id
    const saved = await trpc<{ targets: { kind: string; customerIds?: number[] } }>('query', 'broadcasts.get', { id })
    expect(saved.targets.kind).toBe('ids')
    expect(saved.targets.customerIds).toHaveLength(2)
    const expected = await trpc<{ recipients: number }>('query', 'broadcasts.preview', { targets: saved.targets })
    expect(expected.recipients).toBeGreaterThan(0)
    expect(shown).toBe(expected.recipients)
  })

  it('saves a birthday in the customer drawer and shows it again when the drawer is reopened', async () => {
    await signedInAndSynced()
    await page.keyboard.press('Escape')
    await menuItem(page, '客户').click()
    await page.waitForURL(/\/web\/customers$/)
    const firstRow = page.locator('.data-table .el-table__body tr').first()
    const openDrawer = async () => {
      await firstRow.locator('td').nth(2).click()
      await page.getByTestId('customer-drawer').getByTestId('customer-birthday').waitFor()
    }
    await openDrawer()
    const field = page.getByTestId('customer-drawer').getByTestId('customer-birthday')
    await field.getByTestId('birthday-edit').click()
    await field.locator('.el-date-editor input').click()
    await page.locator('.el-picker__popper:visible .el-date-table td.available').getByText('15', { exact: true }).click()
    await field.getByTestId('birthday-save').click()
    await toast(page, '生日已保存为 1月15日').waitFor()
    await field.getByTestId('birthday-value').getByText('1月15日').waitFor()

    await page.keyboard.press('Escape')
    await page.getByTestId('customer-drawer').waitFor({ state: 'hidden' })
    await openDrawer()
    await field.getByTestId('birthday-value').getByText('1月15日').waitFor()
  })
})
