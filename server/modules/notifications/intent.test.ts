// 意向客户 end to end with the sandbox: the push config routes (固定 → all, 顺序 → one each turn, 不推送 → inbox only), SMS per config, 加入CRM once per call.
import { afterEach, describe, expect, it } from 'vitest'
import { linkDemoOa, linkDemoSms } from '../../sandbox-link'
import { DEMO_SMS } from '../../sandbox/sms/index'
import { createWecomEnv, type WecomEnv } from '../../testing/wecom-env'
import { defaultNotifySettings } from '../../../shared/schemas/notify'
import type { IngestEventInput } from '../../../shared/ingest-events'
import { createPushConfig } from '../push-configs/push-configs.service'
import { createApiKey } from '../api-keys/api-keys.service'
import { signIngest } from '../ingest/ingest.service'
import { NOTIFY_EVENT_JOB } from './scene-rules'

let env: WecomEnv | undefined
afterEach(async () => {
  await env?.close()
  env = undefined
})

const INTENT_SMS_TEMPLATE = '2000201'

async function setup() {
  env = await createWecomEnv()
  const e = env
  await linkDemoSms(e.deps, e.orgId)
  const appid = await linkDemoOa(e.deps, e.sandbox, e.orgId)
  const account = e.sandbox.control.listOaAccounts().find((a) => a.appid === appid)!
  const legacy = account.templates.find((t) => t.content.includes('keyword1'))!.template_id
  const s = defaultNotifySettings()
  s.scenes.intent = { ...s.scenes.intent, templateId: legacy, jumpUrl: 'https://call.example.com/fallback' }
  await e.caller.notify.saveSettings(s)
  const res = await fetch(`${e.baseUrl}/sandbox/control/sms/apps/${DEMO_SMS.smsSdkAppId}/templates`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id: INTENT_SMS_TEMPLATE, content: '{1}类意向客户，客户号码：{2}，请及时跟进', kind: 'notice' }),
  })
  expect(res.status).toBe(200)
  const { smsReportUrl } = await e.caller.notify.settings()
  const cb = await fetch(`${e.baseUrl}/sandbox/control/sms/callback`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ url: smsReportUrl }),
  })
  expect(cb.status).toBe(200)
  const ids: number[] = []
  const openids: string[] = []
  for (let i = 0; i < 3; i++) {
    const fan = e.sandbox.control.addOaFan(appid, { nickname: `员工${i}` })
    const r = await e.deps.db
      .insertInto('employees')
      .values({
        org_id: e.orgId,
        name: `员工${i}`,
        mobile: `1380013810${i}`,
        seat: null,
        receives_system_notices: 0,
        wecom_userid: null,
        admin_user_id: null,
        openid: fan.openid,
        bound_at: 1,
        follows_oa: 1,
        created_at: 1,
        updated_at: 1,
      })
      .executeTakeFirstOrThrow()
    ids.push(Number(r.insertId))
    openids.push(fan.openid)
  }
  return { e, appid, ids, openids }
}

let seq = 0
function intent(level: 'A' | 'B' | 'C', scriptTemplateId: string | null = null): IngestEventInput {
  const n = ++seq
  return {
    type: 'call_result',
    idempotency_key: `i${n}`,
    call_id: `call-${n}`,
    batch_id: 'B',
    line_id: 'L',
    phone: `1370000${String(n).padStart(4, '0')}`,
    customer_name: '王女士',
    script_template_id: scriptTemplateId,
    intention_level: level,
    result_class: level,
    called_at: new Date().toISOString(),
    detail_url: `https://call.example.com/calls/${n}`,
  }
}

async function emit(e: WecomEnv, event: IngestEventInput, eventId = 50_000 + ++seq) {
  await e.deps.queue.enqueue(e.deps.db, NOTIFY_EVENT_JOB, { orgId: e.orgId, eventId, event }, { orgId: e.orgId })
}

const deliveries = (e: WecomEnv) =>
  e.deps.db.selectFrom('notification_deliveries').selectAll().where('org_id', '=', e.orgId).orderBy('id').execute()

describe('意向客户', () => {
  it('固定推送 with SMS and 加入CRM: every attached employee gets the template and the SMS; one lead; a replay changes nothing', async () => {
    const { e, appid, ids, openids } = await setup()
    await createPushConfig(e.deps, e.orgId, {
      intentionLevels: ['A', 'B'],
      pushMode: 'fixed',
      employeeIds: ids.slice(0, 2),
      addToCrm: true,
      smsEnabled: true,
      smsTemplateId: INTENT_SMS_TEMPLATE,
    })
    const ev = intent('A')
    await emit(e, ev, 70_001)
    await e.waitFor(async () => {
      const d = await deliveries(e)
      return d.filter((x) => x.channel !== 'inbox' && x.status === 'delivered').length === 4
    })
    const sent = e.sandbox.control.oaSentTemplates(appid)
    expect(sent.map((m) => m.touser).sort()).toEqual(openids.slice(0, 2).sort())
    expect(sent[0].data.keyword2).toBe('A类意向客户')
    expect(sent[0].data.keyword1).toBe('王女士')
    expect(sent[0].url).toBe('https://call.example.com/fallback')
    const inbox = await e.caller.notify.inbox({ page: 1, pageSize: 10 })
    expect(inbox.items[0]).toMatchObject({
      title: 'A类意向客户',
      content: `客户号码：${(ev as { phone: string }).phone}，点击查看详细通话记录，及时进行客户跟进`,
      jumpLabel: '通话记录',
      jumpUrl: (ev as { detail_url: string }).detail_url,
    })
    const smsRes = await fetch(`${e.baseUrl}/sandbox/control/sms/inbox?phone=13800138100`)
    const smsInbox = (await smsRes.json()) as { messages: { text: string }[] }
    expect(smsInbox.messages.map((m) => m.text)).toEqual([
      `【${DEMO_SMS.signName}】A类意向客户，客户号码：${(ev as { phone: string }).phone}，请及时跟进`,
    ])
    const leads = await e.deps.db.selectFrom('intent_leads').selectAll().where('org_id', '=', e.orgId).execute()
    expect(leads).toHaveLength(1)
    expect(leads[0]).toMatchObject({ call_id: (ev as { call_id: string }).call_id, employee_id: ids[0] })

    // The same call again (a new event id, e.g. re-sent by the calling system): no second alert, no second lead.
    await emit(e, { ...ev, idempotency_key: 'again' })
    await e.deps.queue.runUntilIdle()
    await new Promise((r) => setTimeout(r, 200))
    expect(await e.deps.db.selectFrom('notifications').select('id').where('org_id', '=', e.orgId).execute()).toHaveLength(1)
    expect(e.sandbox.control.oaSentTemplates(appid)).toHaveLength(2)
    expect(await e.deps.db.selectFrom('intent_leads').select('id').where('org_id', '=', e.orgId).execute()).toHaveLength(1)
  })

  it('不推送: no WeChat message but the inbox entry exists; a level outside the config raises nothing; 顺序推送 takes turns', async () => {
    const { e, appid, ids } = await setup()
    await createPushConfig(e.deps, e.orgId, { intentionLevels: ['A'], pushMode: 'none', employeeIds: [] })
    await createPushConfig(e.deps, e.orgId, {
      scriptTemplateId: 'T-RR',
      scriptTemplateName: '轮流',
      intentionLevels: ['B'],
      pushMode: 'round_robin',
      employeeIds: ids,
    })
    await emit(e, intent('A'))
    await emit(e, intent('C'))
    await e.waitFor(
      async () => (await e.deps.db.selectFrom('notifications').select('id').where('org_id', '=', e.orgId).execute()).length === 1,
    )
    const d = await deliveries(e)
    expect(d.map((x) => x.channel)).toEqual(['inbox'])
    expect((await e.caller.notify.unread()).unread).toBe(1)

    for (let i = 0; i < 6; i++) await emit(e, intent('B', 'T-RR'))
    await e.waitFor(async () => e.sandbox.control.oaSentTemplates(appid).length === 6)
    const perEmployee = new Map<number, number>()
    for (const x of (await deliveries(e)).filter((x) => x.channel === 'template'))
      perEmployee.set(x.recipient_id, (perEmployee.get(x.recipient_id) ?? 0) + 1)
    expect([...perEmployee.entries()].sort()).toEqual(ids.map((id) => [id, 2]))
  })

  it('through the signed ingest route: the routed employee gets one template message, also when the calling system repeats the request', async () => {
    const { e, appid, ids, openids } = await setup()
    await createPushConfig(e.deps, e.orgId, { intentionLevels: ['B'], pushMode: 'random', employeeIds: [ids[2]] })
    const key = await createApiKey(e.deps, e.orgId, { name: '外呼系统' })
    const body = JSON.stringify({ events: [intent('B')] })
    for (let i = 0; i < 2; i++) {
      const ts = String(Math.floor(Date.now() / 1000))
      const res = await fetch(`${e.baseUrl}/api/ingest/events`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-api-key': key.keyId,
          'x-timestamp': ts,
          'x-signature': signIngest(key.secret, ts, body),
        },
        body,
      })
      expect(res.status, await res.clone().text()).toBe(200)
    }
    await e.waitFor(async () => (await deliveries(e)).some((d) => d.channel === 'template' && d.status === 'delivered'))
    await new Promise((r) => setTimeout(r, 300))
    const sent = e.sandbox.control.oaSentTemplates(appid)
    expect(sent.map((m) => m.touser)).toEqual([openids[2]])
    expect(sent[0].data.keyword2).toBe('B类意向客户')
  })

  it('a request of many intent calls is handled as one batch: 顺序推送 still takes turns, one template per call, all delivered', async () => {
    const { e, appid, ids } = await setup()
    await createPushConfig(e.deps, e.orgId, { intentionLevels: ['B'], pushMode: 'round_robin', employeeIds: ids })
    const key = await createApiKey(e.deps, e.orgId, { name: '外呼系统' })
    const body = JSON.stringify({ events: Array.from({ length: 4 * ids.length }, () => intent('B')) })
    const ts = String(Math.floor(Date.now() / 1000))
    const res = await fetch(`${e.baseUrl}/api/ingest/events`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-api-key': key.keyId,
        'x-timestamp': ts,
        'x-signature': signIngest(key.secret, ts, body),
      },
      body,
    })
    expect(res.status, await res.clone().text()).toBe(200)
    await e.waitFor(
      async () => (await deliveries(e)).filter((d) => d.channel === 'template' && d.status === 'delivered').length === 4 * ids.length,
    )
    const jobs = await e.deps.db.selectFrom('queue_jobs').select('kind').where('org_id', '=', e.orgId).execute()
    expect(jobs.filter((j) => j.kind === 'notify.events')).toHaveLength(1)
    expect(jobs.filter((j) => j.kind === 'notify.deliver-batch')).toHaveLength(1)
    expect(jobs.filter((j) => j.kind === 'notify.deliver')).toHaveLength(0)
    const perEmployee = new Map<number, number>()
    for (const x of (await deliveries(e)).filter((x) => x.channel === 'template'))
      perEmployee.set(x.recipient_id, (perEmployee.get(x.recipient_id) ?? 0) + 1)
    expect([...perEmployee.entries()].sort()).toEqual(ids.map((id) => [id, 4]))
    const sent = e.sandbox.control.oaSentTemplates(appid)
    expect(sent).toHaveLength(4 * ids.length)
    expect(new Set(sent.map((m) => m.client_msg_id)).size).toBe(4 * ids.length)
  })
})
