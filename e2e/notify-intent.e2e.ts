// An intent call end to end in Chromium: a 推送配置 made in the UI routes a signed ingest event to a bound employee's WeChat; the admin sees the badge, 站内信 and 通知记录.
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { setEmployee } from '../server/modules/employees/employees.repository'
import { INGEST_EVENTS_PATH } from '../server/modules/ingest/ingest-openapi'
import { signIngest } from '../server/modules/ingest/ingest.service'
import { findOrgIdBySlug } from '../server/modules/orgs/orgs.repository'
import { apiCaller, menuItem, screenshot, toast, type TestServer, sessionPerFile } from './harness'

let server: TestServer
let page: Page
sessionPerFile((s) => {
  ;({ server, page } = s)
})

const api = apiCaller(() => ({ page, baseUrl: server.url }))

async function control<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${server.url}/sandbox/control${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  expect(res.ok, path).toBe(true)
  return (await res.json()) as T
}

interface SentTemplate {
  touser: string
  template_id: string
  client_msg_id?: string
}

describe('意向客户通知', () => {
  it('push config in the UI → signed intent event → badge, 站内信, delivered 通知记录 and one template message in the sandbox', async () => {
    // A clinic admin of the demo org: the inbox goes to the org's admins.
    await page.goto('about:blank')
    await api('mutation', 'auth.login', { username: server.admin.username, password: server.admin.password })
    const username = `intent${Date.now().toString(36)}`
    await api('mutation', 'users.create', { username, displayName: '诊所管理员', password: 'clinic-Pass-2026', role: 'org_admin' })
    await page.context().clearCookies()
    await api('mutation', 'auth.login', { username, password: 'clinic-Pass-2026' })

    // An employee already bound to a following fan of the demo account (the H5 flow has its own test).
    const [account] = await control<{ appid: string }[]>('GET', '/oa/accounts')
    const fan = await control<{ openid: string }>('POST', `/oa/accounts/${account!.appid}/fans`, { nickname: '意向员工', subscribed: true })
    const mobile = `136${String(Date.now()).slice(-8)}`
    const employee = await api<{ id: number }>('mutation', 'employees.create', { name: '意向接收员工', mobile })
    const orgId = (await findOrgIdBySlug(server.deps.db, 'demo-clinic'))!.id
    const now = Date.now()
    expect(
      await setEmployee(server.deps.db, orgId, employee.id, { openid: fan.openid, bound_at: now, follows_oa: 1, updated_at: now }),
    ).toBe(1)

    // The intent scene sends the account's first template.
    const view = await api<{ settings: { scenes: Record<string, { templateId?: string }> }; templates: { templateId: string }[] }>(
      'query',
      'notify.settings',
    )
    expect(view.templates.length).toBeGreaterThan(0)
    const templateId = view.templates[0]!.templateId
    view.settings.scenes.intent!.templateId = templateId
    await api('mutation', 'notify.saveSettings', view.settings)

    await page.goto(`${server.url}/web/dashboard`)
    await menuItem(page, '概览').waitFor()
    const badge = page.getByTestId('inbox-badge')
    await badge.getByRole('button', { name: '站内信' }).waitFor()
    expect(await badge.locator('.el-badge__content').isVisible()).toBe(false)

    await menuItem(page, '推送配置').click()
    await page.waitForURL(/\/web\/push-configs$/)
    await page.getByTestId('create-push-config').click()
    const drawer = page.getByTestId('push-config-drawer')
    await drawer.getByTestId('push-config-template-id').fill('TPL-INTENT')
    await drawer.getByTestId('push-config-template-name').fill('正畸回访')
    await drawer.getByTestId('push-config-levels').getByText('B 类').click()
    await drawer.getByTestId('push-config-mode').getByText('固定推送').click()
    await drawer.getByTestId('push-config-add-employee').click()
    await page.locator('.el-select-dropdown__item', { hasText: mobile }).click()
    await drawer.getByTestId('push-config-employee').getByText('意向接收员工').waitFor()
    await drawer.getByTestId('push-config-submit').click()
    await toast(page, '已创建推送配置').waitFor()
    const configRow = page.locator('.el-table__body tr', { hasText: 'TPL-INTENT' })
    await configRow.getByText('固定推送').waitFor()
    await configRow.getByTestId('push-config-row-employee').getByText('已绑定').waitFor()

    // The call platform posts a signed level-A call result.
    const key = await api<{ keyId: string; secret: string }>('mutation', 'apiKeys.create', { name: '外呼平台' })
    const body = JSON.stringify({
      events: [
        {
          type: 'call_result',
          idempotency_key: 'e2e-intent-1',
          call_id: 'e2e-call-1',
          batch_id: 'e2e',
          line_id: 'L-01',
          phone: '13912345678',
          customer_name: '李女士',
          script_template_id: 'TPL-INTENT',
          intention_level: 'A',
          result_class: 'A',
          called_at: new Date().toISOString(),
          detail_url: 'https://call.example.com/calls/e2e-1',
        },
      ],
    })
    const ts = String(Math.floor(Date.now() / 1000))
    const res = await fetch(`${server.url}${INGEST_EVENTS_PATH}`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'X-Api-Key': key.keyId,
        'X-Timestamp': ts,
        'X-Signature': signIngest(key.secret, ts, body),
      },
      body,
    })
    expect(res.status, await res.clone().text()).toBe(200)
    expect(((await res.json()) as { accepted: unknown[] }).accepted).toHaveLength(1)

    // The header badge counts the new 站内信 (it polls every 30 s; a reload asks at once).
    await page.reload()
    await badge.locator('.el-badge__content', { hasText: '1' }).waitFor()
    await badge.getByRole('button', { name: '站内信' }).click()
    await page.waitForURL(/\/web\/inbox$/)
    await page.locator('.el-table__body tr', { hasText: '13912345678' }).first().waitFor()

    // 通知记录: the template delivery to the employee reaches 已送达 (the sandbox's TEMPLATESENDJOBFINISH).
    await menuItem(page, '通知记录').click()
    await page.waitForURL(/\/web\/notifications$/)
    const delivery = page.getByTestId('delivery').filter({ hasText: '模板消息 · 意向接收员工' })
    await expect
      .poll(
        async () => {
          await page.getByRole('button', { name: '重置' }).click()
          return (await delivery.count()) > 0 ? await delivery.first().textContent() : ''
        },
        { timeout: 20_000, interval: 1000 },
      )
      .toContain('已送达')
    await screenshot(page, 'notify-intent-records')

    const sent = await control<SentTemplate[]>('GET', `/oa/accounts/${account!.appid}/template-messages`)
    const mine = sent.filter((m) => m.touser === fan.openid)
    expect(mine).toHaveLength(1)
    expect(mine[0]!.template_id).toBe(templateId)
  }, 90_000)
})
