// 概览 and the shell's layout in a real browser: on the synced demo the charts and rankings draw with data and open the
// filtered lists; at 1280×800 the 联系我 and 队列 headers are shown in full and the side menu collapses to icons and back.
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { screenshot, type TestServer, apiCaller, menuItem, signInAsAdmin, sessionPerFile, toast, syncDemo } from './harness'

let server: TestServer
let page: Page
sessionPerFile((s) => {
  ;({ server, page } = s)
})

const trpc = apiCaller(() => ({ page, baseUrl: server.url }))

/**
 * The page's table at its current scroll: header cells whose text does not fit their own cell, the scrolled-out width,
 * and the headers (outside the fixed 操作 column) that the fixed column covers in part.
 */
function headerLayout(page: Page) {
  return page.evaluate(() => {
    const table = document.querySelector('.el-table') as HTMLElement
    const cells = [...table.querySelectorAll('.el-table__header-wrapper th:not(.el-table-fixed-column--right) .cell')] as HTMLElement[]
    const fixed = table.querySelector('.el-table__header-wrapper th.el-table-fixed-column--right') as HTMLElement | null
    const fixedLeft = fixed ? fixed.getBoundingClientRect().left : Infinity
    const body = table.querySelector('.el-table__body-wrapper .el-scrollbar__wrap') as HTMLElement
    return {
      count: cells.length,
      clipped: cells.filter((c) => c.scrollWidth > c.clientWidth + 1).map((c) => c.textContent?.trim()),
      covered: cells
        .filter((c) => {
          const r = c.getBoundingClientRect()
          return r.left < fixedLeft - 1 && r.right > fixedLeft + 1
        })
        .map((c) => c.textContent?.trim()),
      overflow: body.scrollWidth - body.clientWidth,
    }
  })
}

/** Scrolls the page's table to its right end (as a user would with the scrollbar). */
async function scrollTableToEnd(page: Page): Promise<void> {
  await page.evaluate(() => {
    const wrap = document.querySelector('.el-table__body-wrapper .el-scrollbar__wrap') as HTMLElement
    wrap.scrollLeft = wrap.scrollWidth
    wrap.dispatchEvent(new Event('scroll'))
  })
}

describe('概览', () => {
  it('draws the demo org’s charts and rankings, and a ranking row opens the customers filtered on it', async () => {
    await signInAsAdmin(page, server)
    await syncDemo(trpc)
    const o = await trpc<{ totals: { added: number }; channels: { channelName: string; adds: number }[]; staff: unknown[] }>(
      'query',
      'dashboard.overview',
      { days: 30 },
    )
    expect(o.totals.added).toBeGreaterThan(0)
    expect(o.channels.length).toBeGreaterThan(0)

    await page.goto(`${server.url}/web/dashboard`)
    await page.getByTestId('chart-daily').locator('canvas').first().waitFor()
    expect(await page.getByTestId('empty-daily').count()).toBe(0)
    const channelRows = page.getByTestId('channel-ranking').locator('.el-table__body tr')
    await channelRows.first().waitFor()
    expect(await channelRows.count()).toBe(o.channels.length)
    await expect.poll(() => channelRows.first().innerText()).toContain(o.channels[0]!.channelName)
    expect(await page.getByTestId('staff-ranking').locator('.el-table__body tr').count()).toBe(o.staff.length)
    // The sync just ran: the panel says so instead of its empty state.
    await page.getByTestId('panel-sync').getByText('成功').waitFor()
    await screenshot(page, 'dashboard')

    // The top channel's row opens 客户 filtered on that 联系我 code: every row shown carries that channel.
    await channelRows.first().click()
    await page.waitForURL(/\/web\/customers\?channel=way(:|%3A)\d+/)
    const rows = page.locator('.el-table__body tr')
    await rows.first().waitFor()
    const texts = await rows.allInnerTexts()
    expect(texts.length).toBeGreaterThan(0)
    for (const t of texts) expect(t).toContain(o.channels[0]!.channelName)
    // The link itself carries the filter: a reload (or a pasted link) shows the same rows.
    await page.reload()
    await rows.first().waitFor()
    await expect.poll(() => rows.allInnerTexts()).toEqual(texts)
  })

  it('at 1280×800 shows every 联系我 and 队列 header in full, and the menu collapses to icons and back (remembered)', async () => {
    await signInAsAdmin(page, server)
    await page.setViewportSize({ width: 1280, height: 800 })
    try {
      await menuItem(page, '联系我').click()
      await page.waitForURL(/\/web\/contact-ways$/)
      await page.locator('.el-table__body tr').first().waitFor()
      // 联系我 fits: nothing scrolled out, so the fixed 操作 column covers no column (创建时间 included).
      const ways = await headerLayout(page)
      expect(ways.count).toBeGreaterThanOrEqual(5)
      expect(ways).toMatchObject({ clipped: [], covered: [], overflow: 0 })
      await page.locator('.el-table__header-wrapper th', { hasText: '创建时间' }).waitFor()
      await screenshot(page, 'layout-contact-ways-1280')

      // 队列 has more columns than 1280 px holds: no header is cut within its cell, and scrolled to the end the last
      // columns (结束时间, 创建时间) stand clear of the fixed column.
      await menuItem(page, '队列').click()
      await page.waitForURL(/\/web\/queue/)
      await page.locator('.el-table__header-wrapper th').first().waitFor()
      const queue = await headerLayout(page)
      expect(queue.count).toBeGreaterThan(5)
      expect(queue.clipped).toEqual([])
      await scrollTableToEnd(page)
      await expect.poll(async () => (await headerLayout(page)).covered).toEqual([])
      await screenshot(page, 'layout-queue-1280')

      const aside = page.locator('.layout-aside')
      const wide = (await aside.boundingBox())!.width
      await page.getByTestId('menu-toggle').click()
      await expect.poll(async () => (await aside.boundingBox())!.width).toBeLessThan(80)
      // Icons only: the titles are no longer drawn in the menu.
      expect(await page.getByTestId('side-menu').locator('.el-menu-item-group__title').count()).toBe(0)
      await screenshot(page, 'layout-menu-collapsed')
      await page.reload()
      await page.getByTestId('menu-toggle').waitFor()
      expect((await aside.boundingBox())!.width).toBeLessThan(80)
      await page.getByTestId('menu-toggle').click()
      await expect.poll(async () => (await aside.boundingBox())!.width).toBe(wide)
      await menuItem(page, '概览').waitFor()
    } finally {
      await page.setViewportSize({ width: 1440, height: 900 })
    }
  })

  it('says 没有匹配的成员 for a member search that matches nobody; toasts open below the header line', async () => {
    await signInAsAdmin(page, server)
    await trpc('mutation', 'wecomConfig.test')
    await menuItem(page, '成员').click()
    await page.locator('.el-table__body tr').first().waitFor()
    await page.getByTestId('staff-search').fill('没有这个人zzz')
    await page.getByTestId('staff-no-match').getByText('没有匹配的成员').waitFor()
    expect(await page.getByText('配置企业微信后点击「同步成员」').count()).toBe(0)

    // Toasts open below the 56 px header line, where a drawer's or dialog's title sits.
    await page.getByTestId('sync-staff').click()
    const t = toast(page, '已同步成员')
    await t.waitFor()
    // Polled: the toast slides in from above its resting place.
    await expect.poll(async () => (await t.boundingBox())?.y ?? 0).toBeGreaterThanOrEqual(56)
  })

  it('a new org without data: 概览 shows its empty states, and the first 联系我 visit explains the codes and offers 新建', async () => {
    await signInAsAdmin(page, server)
    const { id } = await trpc<{ id: number }>('mutation', 'orgs.create', {
      name: '新开诊所',
      slug: `new-clinic-${Date.now().toString(36)}`,
      admin: { username: `new_admin_${Date.now().toString(36)}`, displayName: '新诊所管理员', password: 'new-clinic-pass-1' },
    })
    await trpc('mutation', 'auth.switchOrg', { orgId: id })
    await page.goto(`${server.url}/web/dashboard`)
    await page.getByTestId('empty-daily').waitFor()
    await page.getByTestId('empty-welcome').waitFor()
    await page.getByTestId('empty-sync').waitFor()
    expect(await page.getByTestId('chart-daily').count()).toBe(0)

    await menuItem(page, '联系我').click()
    const intro = page.getByTestId('ways-first-visit')
    await intro.getByText('还没有渠道活码').waitFor()
    await intro.getByText(/「联系我」二维码/).waitFor()
    await screenshot(page, 'contact-ways-first-visit')
    await intro.getByTestId('create-first-contact-way').click()
    await page.getByTestId('contact-way-drawer').getByText('新建渠道活码').waitFor()
  })
})
