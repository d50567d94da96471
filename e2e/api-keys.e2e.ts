// The API 密钥 page in a real browser against the real server: a key's secret is shown once, and 模拟外呼 posts a signed batch through the route.
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { apiCaller, menuItem, screenshot, signInAsAdmin, toast, type TestServer, sessionPerFile } from './harness'

let server: TestServer
let page: Page
sessionPerFile((s) => {
  ;({ server, page } = s)
})

describe('API 密钥', () => {
  it('creates a key whose secret is shown once, then runs 模拟外呼 through the signed ingest route', async () => {
    await signInAsAdmin(page, server)
    await menuItem(page, 'API 密钥').click()
    await page.waitForURL(/\/web\/api-keys$/)
    await page.getByTestId('create-api-key').click()
    await page.getByTestId('api-key-name').fill('外呼系统（测试）')
    await page.getByTestId('api-key-submit').click()
    const secret = (await page.getByTestId('api-key-secret').textContent())!.trim()
    expect(secret).toMatch(/^[0-9a-f]{64}$/)
    const keyId = (await page.getByTestId('api-key-id').textContent())!.trim()
    await page.getByRole('button', { name: '我已保存' }).click()
    const row = page.locator('.el-table__body tr', { hasText: keyId })
    await row.getByText('有效').waitFor()
    await row.getByText('从未使用').waitFor()
    expect(await page.content()).not.toContain(secret)

    await page.getByTestId('simulate-calls').click()
    await toast(page, /已模拟外呼任务 demo-.*提交 304 条事件/).waitFor({ timeout: 20_000 })
    await page.locator('.el-table__body tr', { hasText: '模拟外呼（演示）' }).getByText('有效').waitFor()
    await screenshot(page, 'api-keys')
    const keys = await apiCaller(() => ({ page, baseUrl: server.url }))<{ name: string; lastUsedAt: number | null }[]>(
      'query',
      'apiKeys.list',
    )
    expect(keys.find((k) => k.name === '模拟外呼（演示）')?.lastUsedAt).toEqual(expect.any(Number))
  })
})
