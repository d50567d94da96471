// Deliveries against the real sandbox: fitted legacy and category values, SMS with the exact text, reports closing deliveries, 43004/43117/45009/47003.
import { afterEach, describe, expect, it } from 'vitest'
import { linkDemoOa, linkDemoOrg, linkDemoSms } from '../../sandbox-link'
import { addTemplate } from '../../sandbox/oa/accounts'
import { DEMO_SMS } from '../../sandbox/sms/index'
import { createWecomEnv, type WecomEnv } from '../../testing/wecom-env'
import { defaultNotifySettings, type NotifySettings, type Scene, type SceneSettings } from '../../../shared/schemas/notify'
import type { IngestEventInput } from '../../../shared/ingest-events'
import { FACT_TEMPLATE_PAUSED, nextBeijingMidnight } from './deliver'
import { NOTIFY_EVENT_JOB } from './scene-rules'

let env: WecomEnv | undefined
afterEach(async () => {
  env?.sandbox.control.clearFaults()
  await env?.close()
  env = undefined
})

const RECHARGE_SMS_TEMPLATE = '2000101'

async function setup() {
  env = await createWecomEnv()
  const e = env
  await linkDemoSms(e.deps, e.orgId)
  const appid = await linkDemoOa(e.deps, e.sandbox, e.orgId)
  const fan = e.sandbox.control.addOaFan(appid, { nickname: '员工甲' })
  const now = Date.now()
  const row = await e.deps.db
    .insertInto('employees')
    .values({
      org_id: e.orgId,
      name: '李娜',
      mobile: '13800138001',
      seat: null,
      receives_system_notices: 1,
      wecom_userid: null,
      admin_user_id: null,
      openid: fan.openid,
      bound_at: now,
      follows_oa: 1,
      created_at: now,
      updated_at: now,
    })
    .executeTakeFirstOrThrow()
  const employeeId = Number(row.insertId)
  const account = e.sandbox.control.listOaAccounts().find((a) => a.appid === appid)!
  const legacy = account.templates.find((t) => t.content.includes('keyword1'))!.template_id
  const category = account.templates.find((t) => t.content.includes('thing1'))!.template_id
  const view = await e.caller.notify.settings()
  await sms(e, `/apps/${DEMO_SMS.smsSdkAppId}/templates`, 'POST', {
    id: RECHARGE_SMS_TEMPLATE,
    content: '尊敬的{1}，您的充值已成功，您的账户当前余额￥{2}。',
    kind: 'notice',
  })
  await sms(e, '/callback', 'PUT', { url: view.smsReportUrl })
  return { env: e, appid, fan, employeeId, legacy, category }
}

async function sms(e: WecomEnv, path: string, method: string, body?: unknown) {
  const res = await fetch(`${e.baseUrl}/sandbox/control/sms${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  expect(res.status, await res.clone().text()).toBeLessThan(300)
  return res.json()
}

async function configure(e: WecomEnv, scenes: Partial<Record<Scene, Partial<SceneSettings>>>): Promise<NotifySettings> {
  const s = defaultNotifySettings()
  for (const [k, v] of Object.entries(scenes)) s.scenes[k as Scene] = { ...s.scenes[k as Scene], ...v }
  await e.caller.notify.saveSettings(s)
  return s
}

let seq = 0
async function emit(e: WecomEnv, event: IngestEventInput) {
  await e.deps.queue.enqueue(e.deps.db, NOTIFY_EVENT_JOB, { orgId: e.orgId, eventId: 10_000 + ++seq, event }, { orgId: e.orgId })
}

const recharge = (amount: number, balance: number): IngestEventInput => ({
  type: 'recharge',
  idempotency_key: `r${++seq}`,
  amount,
  balance,
  at: new Date().toISOString(),
})

const deliveries = (e: WecomEnv, channel: 'inbox' | 'template' | 'sms') =>
  e.deps.db
    .selectFrom('notification_deliveries')
    .selectAll()
    .where('org_id', '=', e.orgId)
    .where('channel', '=', channel)
    .orderBy('id')
    .execute()

describe('template and SMS deliveries', () => {
  it('the demo link points the sandbox’s SMS 状态回调 at the org’s unguessable report URL; a wrong key is refused', async () => {
    env = await createWecomEnv({ workers: false })
    await linkDemoOrg(env.deps, env.sandbox, env.orgId, '没有这个企业')
    const url = (await env.caller.notify.settings()).smsReportUrl
    expect(env.sandbox.sms.world.callbackUrl).toBe(url)
    expect(url).toMatch(/\/api\/notify\/sms-report\/[A-Za-z0-9_-]{24}$/)
    const bad = await fetch(`${env.baseUrl}/api/notify/sms-report/${'x'.repeat(24)}`, {
      method: 'POST',
      body: '[]',
      headers: { 'content-type': 'application/json' },
    })
    expect(bad.status).toBe(404)
    const junk = await fetch(url, { method: 'POST', body: '{"a":1}', headers: { 'content-type': 'application/json' } })
    expect(junk.status).toBe(400)
  })

  it('legacy template: fitted values (keyword3 folded to 20 with …), closed by TEMPLATESENDJOBFINISH; SMS with the exact text, closed by the report', async () => {
    const { env: e, appid, fan, legacy } = await setup()
    await configure(e, { recharge: { templateId: legacy, smsTemplateId: RECHARGE_SMS_TEMPLATE } })
    await emit(e, recharge(200, 700))
    const [tpl] = await e.waitFor(async () => {
      const d = await deliveries(e, 'template')
      return d.length === 1 && d[0].status === 'delivered' && d
    })
    const orgName = (await e.deps.db.selectFrom('orgs').select('name').where('id', '=', e.orgId).executeTakeFirstOrThrow()).name
    const text = `尊敬的${orgName}，您的充值已成功，您的账户当前余额￥700。`
    const sent = e.sandbox.control.oaSentTemplates(appid)
    expect(sent).toHaveLength(1)
    expect(sent[0]).toMatchObject({ touser: fan.openid, template_id: legacy, client_msg_id: `notify-${tpl.id}` })
    expect(String(sent[0].msgid)).toBe(tpl.platform_id)
    expect(sent[0].data.keyword2).toBe('充值到账')
    expect(sent[0].data.keyword3).toBe(`${[...text].slice(0, 19).join('')}…`)
    expect(sent[0].data.keyword4).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/)
    expect(sent[0].data.keyword1).toBe(orgName.length > 20 ? expect.any(String) : orgName)
    // What the employee sees is exactly what was sent: nothing folded away by the platform.
    for (const k of ['keyword1', 'keyword2', 'keyword3', 'keyword4']) expect(sent[0].displayed[k]).toBe(sent[0].data[k])
    expect(sent[0].notDisplayed).toEqual(['first'])

    const [s] = await e.waitFor(async () => {
      const d = await deliveries(e, 'sms')
      return d.length === 1 && d[0].status === 'delivered' && d
    })
    const inbox = (await sms(e, `/inbox?phone=13800138001`, 'GET')) as { messages: { text: string; serial_no: string }[] }
    expect(inbox.messages).toHaveLength(1)
    expect(inbox.messages[0].text).toBe(`【${DEMO_SMS.signName}】${text}`)
    expect(inbox.messages[0].serial_no).toBe(s.platform_id)

    // The admin's inbox entry and the record page show all three channels.
    const page = await e.caller.notify.records({ page: 1, pageSize: 20 })
    expect(page.items[0].deliveries.map((d) => [d.channel, d.status])).toEqual([
      ['inbox', 'delivered'],
      ['template', 'delivered'],
      ['sms', 'delivered'],
    ])
    expect((await e.caller.notify.unread()).unread).toBe(1)
  })

  it('SMS: the scene’s own signature is used; an unapproved one fails the delivery with the Chinese reason', async () => {
    const { env: e } = await setup()
    await configure(e, { recharge: { template: false, smsTemplateId: RECHARGE_SMS_TEMPLATE, smsSignName: '示例诊所测试' } })
    await emit(e, recharge(10, 20))
    const [d] = await e.waitFor(async () => {
      const r = await deliveries(e, 'sms')
      return r[0]?.status === 'failed' && r
    })
    expect(d.error).toBe('短信签名不正确或未通过审核，请联系管理员检查短信配置（FailedOperation.SignatureIncorrectOrUnapproved）')
  })

  it('category template: every key fitted to its type (thing ≤ 20 with …, time, phrase 汉字, character_string without Chinese)', async () => {
    const { env: e, appid, category } = await setup()
    await configure(e, { low_balance: { templateId: category, sms: false, mapping: { thing1: { var: 'content' } } } })
    await emit(e, { type: 'balance', idempotency_key: 'lb', balance: 12.3, at: new Date().toISOString() })
    await e.waitFor(async () => (await deliveries(e, 'template'))[0]?.status === 'delivered')
    const [m] = e.sandbox.control.oaSentTemplates(appid)
    expect([...m.data.thing1]).toHaveLength(20)
    expect(m.data.thing1.endsWith('…')).toBe(true)
    expect(m.data.time2).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/)
    expect(m.data.phrase3).toBe('余额不足')
    expect(m.data.character_string4).toMatch(/^NT\d+$/)
    expect(m.displayed).toEqual(m.data)

    // The preview shows exactly that, and warns about the cut.
    const preview = await e.caller.notify.preview({ scene: 'low_balance', templateId: category, mapping: { thing1: { var: 'content' } } })
    expect(preview.keys.map((k) => k.key)).toEqual(['thing1', 'time2', 'phrase3', 'character_string4'])
    expect(preview.warnings.join()).toContain('超过 20 字')
    const legacyPreview = await e.caller.notify.preview({ scene: 'low_balance', templateId: (await setupLegacyId(e, appid))!, mapping: {} })
    expect(legacyPreview.keys.filter((k) => !k.shown).map((k) => k.key)).toEqual(['first', 'remark'])
  })

  it('five alerts to one employee within a second: each template delivery is closed by its own TEMPLATESENDJOBFINISH', async () => {
    const { env: e, appid, legacy } = await setup()
    await configure(e, { recharge: { templateId: legacy, sms: false } })
    for (let i = 0; i < 5; i++) await emit(e, recharge(10 + i, 100 + i))
    await e.waitFor(async () => (await deliveries(e, 'template')).filter((d) => d.status === 'delivered').length === 5)
    expect(e.sandbox.control.oaSentTemplates(appid)).toHaveLength(5)
  })

  it('43004: the employee is marked as not following, the delivery fails, the admin is warned', async () => {
    const { env: e, appid, fan, employeeId, legacy } = await setup()
    await configure(e, { recharge: { templateId: legacy, sms: false } })
    // The unsubscribe event never reaches us (else it would unbind the employee first): only 43004 tells.
    e.sandbox.control.setOaCallback(appid, null)
    await e.sandbox.control.unfollowOa(appid, fan.openid, { wait: true })
    await emit(e, recharge(100, 300))
    const [d] = await e.waitFor(async () => {
      const r = await deliveries(e, 'template')
      return r[0]?.status === 'failed' && r
    })
    expect(d.error).toContain('43004')
    const emp = await e.deps.db.selectFrom('employees').select('follows_oa').where('id', '=', employeeId).executeTakeFirstOrThrow()
    expect(emp.follows_oa).toBe(0)
    const inbox = await e.caller.notify.inbox({ page: 1, pageSize: 20 })
    expect(inbox.items.map((i) => i.title)).toContain('员工未关注公众号')
    // The next alert skips the unfollowed employee instead of failing again.
    await emit(e, recharge(100, 400))
    await e.waitFor(
      async () => (await e.deps.db.selectFrom('notifications').select('id').where('org_id', '=', e.orgId).execute()).length === 2,
    )
    expect(await deliveries(e, 'template')).toHaveLength(1)
  })

  it('43117: retried later with the same client_msg_id and sent once', async () => {
    const { env: e, appid, legacy } = await setup()
    await configure(e, { recharge: { templateId: legacy, sms: false } })
    e.sandbox.control.setFaults({ rules: [{ endpoint: 'oa:/cgi-bin/message/template/send', errorRate: 1, errorCodes: [43117] }] })
    await emit(e, recharge(100, 300))
    const [d] = await e.waitFor(async () => {
      const r = await deliveries(e, 'template')
      return r[0]?.error?.includes('43117') && r
    })
    expect(d.status).toBe('pending')
    e.sandbox.control.clearFaults()
    await e.waitFor(async () => (await deliveries(e, 'template'))[0]?.status === 'delivered', 15_000)
    expect(e.sandbox.control.oaSentTemplates(appid)).toHaveLength(1)
  })

  it('45009: the template channel pauses until the next day and says so; later sends wait without calling the platform', async () => {
    const { env: e, appid, legacy } = await setup()
    await configure(e, { recharge: { templateId: legacy, sms: false } })
    e.sandbox.control.setFaults({ rules: [{ endpoint: 'oa:/cgi-bin/message/template/send', errorRate: 1, errorCodes: [45009] }] })
    await emit(e, recharge(100, 300))
    await e.waitFor(async () => (await deliveries(e, 'template'))[0]?.error?.includes('45009'))
    e.sandbox.control.clearFaults()
    const until = nextBeijingMidnight(Date.now())
    const fact = await e.deps.db
      .selectFrom('notify_facts')
      .select('value')
      .where('org_id', '=', e.orgId)
      .where('fact_key', '=', FACT_TEMPLATE_PAUSED)
      .executeTakeFirstOrThrow()
    expect(Number(fact.value)).toBe(until)
    expect((await e.caller.notify.inbox({ page: 1, pageSize: 20 })).items.map((i) => i.title)).toContain('模板消息已暂停')
    expect((await e.caller.notify.settings()).templatePausedUntil).toBe(until)

    await emit(e, recharge(100, 400))
    await e.waitFor(async () => (await deliveries(e, 'template')).filter((d) => d.error?.includes('暂停')).length === 2)
    const rows = await deliveries(e, 'template')
    expect(rows.map((r) => r.status)).toEqual(['pending', 'pending'])
    const waiting = await e.deps.db
      .selectFrom('queue_jobs')
      .select(['run_after'])
      .where('kind', '=', 'notify.deliver')
      .where('status', '=', 'pending')
      .execute()
    expect(waiting.map((j) => Number(j.run_after))).toEqual([until, until])
    expect(e.sandbox.control.oaSentTemplates(appid)).toHaveLength(0)
  })

  it('47003: a permanent failure naming the key, shown on the delivery and on the settings page', async () => {
    const { env: e, appid } = await setup()
    const account = e.sandbox.state.oa.accounts.get(appid)!
    const t = addTemplate(e.sandbox.context, account, {
      title: '服务状态通知',
      primary_industry: '医药护理',
      deputy_industry: '医药医疗',
      example: '状态：已完成',
      content: '状态：{{const1.DATA}}\n说明：{{thing2.DATA}}',
      constValues: { const1: ['已完成'] },
    })
    await configure(e, { recharge: { templateId: t.template_id, sms: false, mapping: { const1: { var: 'literal', text: '已到账' } } } })
    await emit(e, recharge(100, 300))
    const [d] = await e.waitFor(async () => {
      const r = await deliveries(e, 'template')
      return r[0]?.status === 'failed' && r
    })
    expect(d.error).toContain('关键词 const1')
    expect((await e.caller.notify.settings()).templateErrors.recharge?.key).toBe('const1')
    // Resend is offered for failed deliveries and sends again (still refused here, so failed again).
    await e.caller.notify.resend({ id: d.id })
    expect((await deliveries(e, 'template'))[0].status).toBe('pending')
    await e.waitFor(async () => {
      const [again] = await deliveries(e, 'template')
      return again.status === 'failed' && again.updated_at > d.updated_at
    })
    expect(e.sandbox.control.oaSentTemplates(appid)).toHaveLength(0)
    await expect(e.caller.notify.resend({ id: d.id + 1000 })).rejects.toThrow(/不存在/)
  })
})

async function setupLegacyId(e: WecomEnv, appid: string) {
  return e.sandbox.control
    .listOaAccounts()
    .find((a) => a.appid === appid)!
    .templates.find((t) => t.content.includes('keyword1'))?.template_id
}
