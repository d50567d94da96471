// 消息通知 in a real browser: the super admin publishes a 公告; a clinic admin sees the header badge, the 站内信 and marks it read.
import { describe, it } from 'vitest'
import type { Page } from 'playwright-core'
import { apiCaller, menuItem, screenshot, signInAsAdmin, toast, type TestServer, sessionPerFile } from './harness'

let server: TestServer
let page: Page
sessionPerFile((s) => {
  ;({ server, page } = s)
})

const api = apiCaller(() => ({ page, baseUrl: server.url }))

describe('消息通知', () => {
  it('publishes a 公告; the clinic admin gets the badge and the 站内信, and reading it clears the badge', async () => {
    await signInAsAdmin(page, server)
    const username = `clinic${Date.now().toString(36)}`
    await api('mutation', 'users.create', { username, displayName: '诊所管理员', password: 'clinic-Pass-2026', role: 'org_admin' })

    await menuItem(page, '公告').click()
    await page.getByTestId('publish-announcement').click()
    const dialog = page.getByRole('dialog', { name: '发布公告' })
    await dialog.getByRole('textbox').first().fill('系统升级通知')
    await dialog.locator('textarea').fill('系统将于本周六凌晨 2:00 至 4:00 进行升级维护，期间外呼任务暂停，请提前安排。')
    await dialog.getByRole('button', { name: '发布' }).click()
    await toast(page, '公告已发布').waitFor()
    await page.locator('.el-table__body tr', { hasText: '系统升级通知' }).waitFor()

    await page.goto('about:blank')
    await page.context().clearCookies()
    await api('mutation', 'auth.login', { username, password: 'clinic-Pass-2026' })
    await page.goto(`${server.url}/web/dashboard`)
    const badge = page.getByTestId('inbox-badge')
    await badge.locator('.el-badge__content', { hasText: '1' }).waitFor()
    await badge.getByRole('button', { name: '站内信' }).click()
    await page.waitForURL(/\/web\/inbox$/)
    const row = page.locator('.el-table__body tr', { hasText: '系统升级通知' })
    await row.getByText('登录系统查看详情', { exact: false }).waitFor()
    await screenshot(page, 'notify-inbox')
    await row.getByRole('button', { name: '标为已读' }).click()
    await badge.locator('.el-badge__content').waitFor({ state: 'hidden' })

    await menuItem(page, '通知设置').click()
    await page.getByText('短信状态回调地址').waitFor()
    await page.getByTestId('save-notify-settings').click()
    await toast(page, '通知设置已保存').waitFor()
  })
})
