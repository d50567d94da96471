// The customer drawer's 时间线 in a real browser: 模拟扫码 through a code with a welcome, a tag and a remark from the admin,
// then the drawer shows the add, the welcome, the tag and the remark with who did each.
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { screenshot, type TestServer, apiCaller, menuItem, signInAsAdmin, sessionPerFile } from './harness'

const STAFF = 'ZhangLi'
const CUSTOMER = '时间线测试客户'
const CHANNEL = { name: '时间线渠道', state: 'timeline-e2e' }

let server: TestServer
let page: Page
sessionPerFile((s) => {
  ;({ server, page } = s)
})

const trpc = apiCaller(() => ({ page, baseUrl: server.url }))

interface Row {
  id: number
  name: string
}

describe('客户时间线', () => {
  it('shows the add, the welcome, a tag and a remark after 模拟扫码, newest first with who did each', async () => {
    await signInAsAdmin(page, server)
    await trpc('mutation', 'wecomConfig.test')
    const way = await trpc<{ id: number }>('mutation', 'contactWays.create', {
      channelName: CHANNEL.name,
      state: CHANNEL.state,
      type: 1,
      userIds: [STAFF],
      welcome: { text: '欢迎咨询，时间线测试' },
    })
    await trpc('mutation', 'contactWays.simulateScan', { id: way.id, name: CUSTOMER })
    const find = async () => (await trpc<{ items: Row[] }>('query', 'customers.list', { page: 1, pageSize: 10, q: CUSTOMER })).items[0]
    await expect.poll(find, { timeout: 15_000 }).toBeTruthy()
    const customer = (await find())!
    // The welcome outcome is recorded by the callback worker; wait for it before opening the drawer.
    await expect
      .poll(
        async () =>
          (await trpc<{ items: { kind: string }[] }>('query', 'customers.timeline', { id: customer.id })).items.map((e) => e.kind),
        {
          timeout: 15_000,
        },
      )
      .toContain('welcome')

    const group = await trpc<{ tags: { id: number }[] }>('mutation', 'tags.createGroup', {
      name: '时间线分组',
      source: 'crm',
      tags: [{ name: '时间线标签' }],
    })
    await trpc('mutation', 'customers.updateTags', { id: customer.id, add: [group.tags[0].id] })
    await trpc('mutation', 'customers.updateRemark', { id: customer.id, userid: STAFF, remark: '时间线备注' })

    await menuItem(page, '客户').click()
    await page.waitForURL(/\/web\/customers$/)
    await page.getByTestId('customer-search').fill(CUSTOMER)
    await page.getByRole('button', { name: '查询' }).click()
    const row = page.locator('.el-table__body tr', { hasText: CUSTOMER }).first()
    await row.waitFor()
    await row.locator('td').nth(1).click()
    const drawer = page.getByTestId('customer-drawer')
    await drawer.getByText(`客户详情 · ${CUSTOMER}`).waitFor()
    const timeline = drawer.getByTestId('customer-timeline')
    await timeline.getByText('修改备注').waitFor()
    const items = timeline.locator('.el-timeline-item')
    await expect.poll(() => items.count()).toBe(4)
    const texts = await items.allInnerTexts()
    expect(texts[0]).toContain('修改备注')
    expect(texts[0]).toContain('时间线备注')
    expect(texts[0]).toContain('管理员')
    expect(texts[1]).toContain('添加标签')
    expect(texts[1]).toContain('时间线标签')
    expect(texts[2]).toContain('欢迎语已发送')
    expect(texts[2]).toContain('系统')
    expect(texts[3]).toContain('添加客户')
    expect(texts[3]).toContain(CHANNEL.name)
    expect(texts[3]).toContain('客户')
    await timeline.scrollIntoViewIfNeeded()
    await screenshot(page, 'customer-timeline')
  })
})
