// The 流失客户 tab in a real browser: a customer deletes a staff member in the sandbox, the row shows up with who ended it,
// and the lost-customer alert is switched to 关闭 through its dialog.
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { screenshot, type TestServer, apiCaller, menuItem, signInAsAdmin, toast, sessionPerFile, syncDemo } from './harness'

let server: TestServer
let page: Page
sessionPerFile((s) => {
  ;({ server, page } = s)
})

const trpc = apiCaller(() => ({ page, baseUrl: server.url }))

describe('流失客户', () => {
  it('lists a customer who deleted the staff member as 客户删除员工, and saves 关闭 as the alert', async () => {
    await signInAsAdmin(page, server)
    await syncDemo(trpc)
    const { corpId } = await trpc<{ corpId: string }>('query', 'wecomConfig.get')
    const list = await trpc<{ items: { name: string; externalUserid: string; follows: { userid: string; status: string }[] }[] }>(
      'query',
      'customers.list',
      { page: 1, pageSize: 50, status: 'active' },
    )
    const c = list.items.find((i) => i.name && i.follows.some((f) => f.status === 'active'))!
    const userid = c.follows.find((f) => f.status === 'active')!.userid
    const res = await page.request.post(`${server.url}/sandbox/control/corps/${corpId}/customer-deletes-staff`, {
      data: { userid, external_userid: c.externalUserid },
    })
    expect(res.ok()).toBe(true)
    await expect
      .poll(async () => (await trpc<{ total: number }>('query', 'lostCustomers.list', { page: 1, pageSize: 20, userid })).total, {
        timeout: 15_000,
      })
      .toBeGreaterThan(0)

    await menuItem(page, '客户').click()
    await page.waitForURL(/\/web\/customers$/)
    await page.getByRole('tab', { name: '流失客户' }).click()
    const tab = page.getByTestId('lost-list')
    const row = tab.locator('.el-table__body tr', { hasText: c.name })
    await row.getByText('客户删除员工').waitFor()
    await screenshot(page, 'lost-customers')

    await tab.getByRole('button', { name: '流失提醒设置' }).click()
    const dialog = page.getByTestId('lost-alert-dialog')
    await dialog.getByText('关闭', { exact: true }).click()
    await dialog.getByRole('button', { name: '保存' }).click()
    await toast(page, '流失提醒设置已保存').waitFor()
    expect(await trpc('query', 'lostCustomers.alertSetting')).toEqual({ mode: 'off', recipients: [] })
  })
})
