// CSV uploads on the 群发 page in a real browser: targets from a CSV in the composer (per-row errors, count = good rows)
// and 导入生日 on the automation tab (dry run lists row problems, then only the valid rows are stored).
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { type TestServer, apiCaller, menuItem, signInAsAdmin, toast, sessionPerFile } from './harness'

let server: TestServer
let page: Page
sessionPerFile((s) => {
  ;({ server, page } = s)
})

const trpc = apiCaller(() => ({ page, baseUrl: server.url }))

interface CustomerItem {
  id: number
  externalUserid: string
}

/** The demo corp's customers in the org's tables (what the nightly sync would have done); returns a few of them. */
async function syncedCustomers(): Promise<CustomerItem[]> {
  await trpc('mutation', 'wecomConfig.test')
  await trpc('mutation', 'jobs.runNow', { name: 'sync-customers' })
  for (let i = 0; i < 150; i++) {
    const runs = await trpc<{ items: { status: string }[] }>('query', 'jobs.runs', { jobName: 'sync-customers', pageSize: 5 })
    if (runs.items.some((r) => r.status === 'succeeded')) break
    await new Promise((r) => setTimeout(r, 200))
  }
  const { items } = await trpc<{ items: CustomerItem[] }>('query', 'customers.list', { pageSize: 10 })
  if (items.length < 4) throw new Error('the demo customers were not synced')
  return items
}

let ready: Promise<CustomerItem[]> | undefined
const signedInAndSynced = () => (ready ??= signInAsAdmin(page, server).then(syncedCustomers))

const csvFile = (name: string, lines: string[]) => ({ name, mimeType: 'text/csv', buffer: Buffer.from(lines.join('\n') + '\n', 'utf8') })

async function openBroadcasts(): Promise<void> {
  await menuItem(page, '群发').click()
  await page.waitForURL(/\/web\/broadcasts/)
}

describe('群发 CSV 导入', () => {
  it('targets from a CSV: bad rows are listed with their problem, the selection and the count are the good rows', async () => {
    const customers = await signedInAndSynced()
    const good = customers.slice(0, 3).map((c) => c.externalUserid)
    await openBroadcasts()
    await page.getByTestId('create-broadcast').click()
    const composer = page.getByTestId('broadcast-composer')
    await composer
      .locator('.csv-upload input[type=file]')
      .setInputFiles(csvFile('targets.csv', ['external_userid', good[0], 'wmNotOurCustomer0001', good[1], '12345', good[2], '13900000000']))
    const result = composer.getByTestId('targets-csv-result')
    await result.getByText('targets.csv：共 6 行，有效 3 位客户，错误 3 行').waitFor()
    const problems = result.locator('.el-table__body tr')
    await expect.poll(() => problems.count()).toBe(3)
    await problems.filter({ hasText: 'wmNotOurCustomer0001' }).getByText('不是本机构的客户', { exact: false }).waitFor()
    await problems.filter({ hasText: '12345' }).getByText('格式不正确', { exact: false }).waitFor()
    await problems.filter({ hasText: '13900000000' }).getByText('本机构没有客户的备注里有此手机号').waitFor()

    await composer.getByTestId('target-ids').getByText('指定客户（3）').waitFor()
    const expected = await trpc<{ recipients: number }>('query', 'broadcasts.preview', {
      targets: { kind: 'ids', customerIds: customers.slice(0, 3).map((c) => c.id) },
    })
    expect(expected.recipients).toBe(3)
    await composer.getByTestId('recipient-count').getByText('3 位客户').waitFor()
    await page.keyboard.press('Escape')
  })

  it('导入生日: the dry run lists the row problems and stores nothing; the import stores only the valid rows', async () => {
    const customers = await signedInAndSynced()
    const [a, b, c, d] = customers
    for (const x of [a, b, c]) await trpc('mutation', 'broadcastRules.setBirthday', { customerId: x.id, birthday: null })
    await openBroadcasts()
    await page.getByRole('tab', { name: '自动群发' }).click()
    await page.getByRole('button', { name: '导入生日' }).click()
    const dialog = page.getByTestId('birthday-import')
    await dialog
      .locator('input[type=file]')
      .setInputFiles(
        csvFile('birthdays.csv', [
          'external_userid,生日',
          `${a.externalUserid},03-15`,
          `${b.externalUserid},1990年7月2日`,
          `${c.externalUserid},13-40`,
          'wmNotOurCustomer0002,05-01',
          `${d.externalUserid},`,
        ]),
      )
    await dialog.getByText('共 5 行，有效 2 行，错误 3 行（导入时跳过）').waitFor()
    const problems = dialog.locator('.el-table__body tr')
    await expect.poll(() => problems.count()).toBe(3)
    await problems.filter({ hasText: c.externalUserid }).getByText('生日格式不正确', { exact: false }).waitFor()
    await problems.filter({ hasText: 'wmNotOurCustomer0002' }).getByText('不是本机构的客户', { exact: false }).waitFor()
    await problems.filter({ hasText: d.externalUserid }).getByText('第二列生日为空').waitFor()
    // The dry run wrote nothing.
    const birthday = async (id: number) => (await trpc<{ birthday: string | null }>('query', 'broadcastRules.birthday', { id })).birthday
    expect(await birthday(a.id)).toBeNull()

    await dialog.getByRole('button', { name: '导入 2 行' }).click()
    await toast(page, '已导入 2 位客户的生日').waitFor()
    expect(await birthday(a.id)).toBe('03-15')
    expect(await birthday(b.id)).toBe('07-02')
    expect(await birthday(c.id)).toBeNull()
  })
})
