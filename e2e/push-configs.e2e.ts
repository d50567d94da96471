// The 推送配置 page in a real browser against the real server: create a config for a script template with an attached employee.
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { apiCaller, menuItem, screenshot, signInAsAdmin, toast, type TestServer, sessionPerFile } from './harness'

let server: TestServer
let page: Page
sessionPerFile((s) => {
  ;({ server, page } = s)
})

describe('推送配置', () => {
  it('creates a push config for a template with an ordered employee and lists it', async () => {
    await signInAsAdmin(page, server)
    const trpc = apiCaller(() => ({ page, baseUrl: server.url }))
    const mobile = `138${String(Date.now()).slice(-8)}`
    await trpc('mutation', 'employees.create', { name: '推送员工甲', mobile })

    await menuItem(page, '推送配置').click()
    await page.waitForURL(/\/web\/push-configs$/)
    await page.getByTestId('create-push-config').click()
    const drawer = page.getByTestId('push-config-drawer')
    await drawer.getByTestId('push-config-submit').click()
    await drawer.getByText('请填写话术模板 ID').waitFor()
    await drawer.getByTestId('push-config-template-id').fill('TPL-E2E')
    await drawer.getByTestId('push-config-template-name').fill('种植牙回访')
    await drawer.getByTestId('push-config-levels').getByText('C 类').click()
    await drawer.getByTestId('push-config-mode').getByText('固定推送').click()
    await drawer.getByTestId('push-config-add-employee').click()
    await page.locator('.el-select-dropdown__item', { hasText: mobile }).click()
    await drawer.getByTestId('push-config-employee').getByText('推送员工甲').waitFor()
    await drawer.getByTestId('push-config-crm').click()
    await drawer.getByTestId('push-config-submit').click()
    await toast(page, '已创建推送配置').waitFor()

    const row = page.locator('.el-table__body tr', { hasText: 'TPL-E2E' })
    await row.getByText('种植牙回访').waitFor()
    await row.getByText('A、B、C').waitFor()
    await row.getByText('固定推送').waitFor()
    await row.getByTestId('push-config-row-employee').getByText('未绑定').waitFor()
    await screenshot(page, 'push-configs')

    const stored = await trpc<{ items: { scriptTemplateId: string; addToCrm: boolean; employees: { name: string }[] }[] }>(
      'query',
      'pushConfigs.list',
      {},
    )
    expect(stored.items.find((i) => i.scriptTemplateId === 'TPL-E2E')).toMatchObject({
      addToCrm: true,
      employees: [{ name: '推送员工甲' }],
    })
  })
})
