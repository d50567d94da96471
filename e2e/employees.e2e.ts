// The 员工 page in a real browser against the real server: create an employee through the drawer and see it listed, unbound.
import { describe, it } from 'vitest'
import type { Page } from 'playwright-core'
import { screenshot, type TestServer, menuItem, toast, signInAsAdmin, sessionPerFile } from './harness'

let server: TestServer
let page: Page
sessionPerFile((s) => {
  ;({ server, page } = s)
})

const menu = (title: string) => menuItem(page, title)
const toastOf = (text: string | RegExp) => toast(page, text)

describe('员工', () => {
  it('creates an employee in the drawer and lists it as 未绑定', async () => {
    await signInAsAdmin(page, server)
    await menu('员工').click()
    await page.waitForURL(/\/web\/employees$/)

    const mobile = `139${String(Date.now()).slice(-8)}`
    await page.getByTestId('create-employee').click()
    const drawer = page.getByTestId('employee-drawer')
    await drawer.getByTestId('employee-name').fill('浏览器员工')
    await drawer.getByTestId('employee-mobile').fill('12345')
    await drawer.getByTestId('employee-submit').click()
    await drawer.getByText('手机号格式不正确').waitFor()
    await drawer.getByTestId('employee-mobile').fill(mobile)
    await drawer.getByTestId('employee-submit').click()
    await toastOf('已添加员工 浏览器员工').waitFor()

    const row = page.locator('.el-table__body tr', { hasText: mobile })
    await row.getByText('浏览器员工').waitFor()
    await row.getByText('未绑定').waitFor()
    await screenshot(page, 'employees')
  })
})
