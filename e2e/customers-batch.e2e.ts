// 客户 list actions in a real browser: 导出 CSV holds the filtered rows with a BOM and Chinese headers; 批量打标签 on the
// checked rows runs through the queue to WeCom (the sandbox's mark_tag log) with its progress dialog.
import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import type { Page } from 'playwright-core'
import { screenshot, type TestServer, apiCaller, menuItem, signInAsAdmin, sessionPerFile, syncDemo } from './harness'

let server: TestServer
let page: Page
sessionPerFile((s) => {
  ;({ server, page } = s)
})

const trpc = apiCaller(() => ({ page, baseUrl: server.url }))

type ListRow = { id: number; name: string; externalUserid: string; follows: { status: string }[] }

describe('客户 export and batch tagging', () => {
  it('exports the filtered list as CSV, then batch-tags the checked rows with a progress dialog', async () => {
    await signInAsAdmin(page, server)
    await syncDemo(trpc)
    const { corpId } = await trpc<{ corpId: string }>('query', 'wecomConfig.get')
    const all = await trpc<{ total: number; items: ListRow[] }>('query', 'customers.list', { page: 1, pageSize: 100 })
    const named = all.items.find((c) => c.name)!
    // A name's first character: a filter that keeps some rows and drops others.
    const q = named.name.slice(0, 1)
    const filtered = await trpc<{ total: number; items: ListRow[] }>('query', 'customers.list', { page: 1, pageSize: 100, q })
    expect(filtered.total).toBeLessThan(all.total)
    expect(filtered.total).toBeLessThanOrEqual(100)

    // The page reads the tags when it opens: the tag exists before.
    const group = await trpc<{ tags: { id: number; name: string }[] }>('mutation', 'tags.createGroup', {
      name: '批量测试',
      tags: [{ name: '批量复购' }],
    })
    await menuItem(page, '客户').click()
    await page.waitForURL(/\/web\/customers$/)
    await page.getByPlaceholder('搜索姓名或备注').fill(q)
    await page.getByPlaceholder('搜索姓名或备注').press('Enter')
    await page.locator('.el-table__body tr', { hasText: named.name }).first().waitFor()

    await page.getByTestId('customers-export').click()
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()])
    const bytes = readFileSync((await download.path())!)
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf])
    const lines = bytes.subarray(3).toString('utf8').trim().split(/\r?\n/)
    expect(lines[0]).toBe('客户,外部联系人ID,性别,企业,渠道,标签,跟进员工,备注,状态,添加时间')
    expect(download.suggestedFilename()).toMatch(/^客户列表-\d{4}-\d{2}-\d{2}\.csv$/)
    // Exactly the filtered customers, by their external ids.
    const exported = lines.slice(1).map((l) => l.split(',')[1])
    expect(exported.sort()).toEqual(filtered.items.map((c) => c.externalUserid).sort())

    // The header checkbox checks the page shown: the first 20, newest first (the list's default).
    const shown = filtered.items.slice(0, 20)
    const withRelation = shown.filter((c) => c.follows.some((f) => f.status === 'active'))
    const logBefore = (await (await page.request.get(`${server.url}/sandbox/control/logs/mark_tag?corpid=${corpId}`)).json()) as {
      items: unknown[]
    }
    await page.locator('.el-table__header .el-checkbox').first().click()
    await page.getByTestId('tag-batch').click()
    await page.getByTestId('tag-batch-add').click()
    const dialog = page.getByTestId('tag-batch-dialog')
    await dialog.getByTestId('tag-batch-tags').click()
    await page.getByRole('option', { name: '批量复购' }).click()
    await dialog.getByText('已选择').click()
    await dialog.getByTestId('tag-batch-start').click()
    const relations = withRelation.reduce((n, c) => n + c.follows.filter((f) => f.status === 'active').length, 0)
    const lost = shown.length - withRelation.length
    await dialog
      .getByTestId('tag-batch-counts')
      .getByText(`已完成：成功 ${relations} / 共 ${relations + lost}`)
      .waitFor({ timeout: 20_000 })
    await screenshot(page, 'customers-batch-tag')
    const logAfter = (await (await page.request.get(`${server.url}/sandbox/control/logs/mark_tag?corpid=${corpId}`)).json()) as {
      items: { external_userid: string; add_tag: string[] }[]
    }
    const calls = logAfter.items.slice(logBefore.items.length)
    expect(calls).toHaveLength(relations)
    expect(new Set(calls.map((c) => c.external_userid))).toEqual(new Set(withRelation.map((c) => c.externalUserid)))
    await dialog.getByTestId('tag-batch-close').click()
    // The list shows the tag on the rows once the run is done.
    await page.locator('.el-table__body tr', { hasText: withRelation[0].name }).first().getByText('批量复购').waitFor()
    expect(group.tags).toHaveLength(1)
  })
})
