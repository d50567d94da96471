// smsConfig against the SMS sandbox: masked view, blank keeps the key, validation, test sends the code template; the demo links (SMS + OA).
import { afterEach, describe, expect, it } from 'vitest'
import { createOrgWithUser } from '../../testing/deps'
import { callerFor } from '../../testing/tenant'
import { createWecomEnv, type WecomEnv } from '../../testing/wecom-env'
import { DEMO_SMS } from '../../sandbox/sms/index'
import { linkDemoOrg } from '../../sandbox-link'
import { testOaConnection } from '../oa-config/oa-config.service'
import { getSmsConfigView, saveSmsConfig } from './sms-config.service'

let env: WecomEnv | undefined
afterEach(async () => {
  await env?.close()
  env = undefined
})

const INPUT = {
  secretId: DEMO_SMS.secretId,
  secretKey: DEMO_SMS.secretKey,
  smsSdkAppId: DEMO_SMS.smsSdkAppId,
  signName: DEMO_SMS.signName,
  region: 'ap-guangzhou' as const,
  codeTemplateId: DEMO_SMS.codeTemplateId,
}

async function setup() {
  env = await createWecomEnv({ workers: false })
  return env
}

async function inbox(env: WecomEnv, phone: string): Promise<Array<{ text: string; template_id: string; params: string[] }>> {
  const res = await fetch(`${env.baseUrl}/sandbox/control/sms/inbox?phone=${phone}`)
  return ((await res.json()) as { messages: Array<{ text: string; template_id: string; params: string[] }> }).messages
}

describe('smsConfig', () => {
  it('saves with the SecretKey sealed and shows it masked; a blank key keeps the stored one; test sends a 6-digit code', async () => {
    const env = await setup()
    expect((await env.caller.smsConfig.get()).configured).toBe(false)
    const view = await env.caller.smsConfig.save(INPUT)
    expect(view).toMatchObject({ configured: true, secretId: DEMO_SMS.secretId, smsSdkAppId: DEMO_SMS.smsSdkAppId, region: 'ap-guangzhou' })
    expect(JSON.stringify(view)).not.toContain(DEMO_SMS.secretKey)
    expect(view.secretKeyMasked).toMatch(/^san\*+001$/)
    const row = await env.deps.db.selectFrom('sms_configs').selectAll().executeTakeFirstOrThrow()
    expect(row.secret_key_sealed).not.toContain(DEMO_SMS.secretKey)
    expect(row.org_id).toBe(env.orgId)

    const again = await env.caller.smsConfig.save({ ...INPUT, secretKey: '', signName: '示例诊所' })
    const row2 = await env.deps.db.selectFrom('sms_configs').selectAll().executeTakeFirstOrThrow()
    expect(row2.secret_key_sealed).toBe(row.secret_key_sealed)
    expect(row2.updated_at).toBeGreaterThan(row.updated_at)
    expect(again.updatedAt).toBe(row2.updated_at)

    const result = await env.caller.smsConfig.test({ mobile: '13800138000' })
    expect(result.ok).toBe(true)
    const code = /验证码 (\d{6})/.exec(result.message)?.[1]
    expect(code).toMatch(/^\d{6}$/)
    const [msg] = await inbox(env, '13800138000')
    expect(msg.template_id).toBe(DEMO_SMS.codeTemplateId)
    expect(msg.params).toEqual([code, '5'])
    expect(msg.text).toContain(`【示例诊所】${code}`)
  })

  it('eight concurrent first saves all succeed and leave one row', async () => {
    const env = await setup()
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => env.caller.smsConfig.save(INPUT)))
    expect(results.filter((r) => r.status === 'rejected')).toEqual([])
    expect(await env.deps.db.selectFrom('sms_configs').select('id').where('org_id', '=', env.orgId).execute()).toHaveLength(1)
  })

  it('validates input; the first save needs a SecretKey; without a config test says so', async () => {
    const env = await setup()
    await expect(env.caller.smsConfig.save({ ...INPUT, smsSdkAppId: '12' })).rejects.toThrow(/SDK AppID/)
    await expect(env.caller.smsConfig.save({ ...INPUT, codeTemplateId: 'abc' })).rejects.toThrow(/模板/)
    await expect(env.caller.smsConfig.save({ ...INPUT, signName: '【示例诊所】' })).rejects.toThrow(/2–12 个字，不带【】/)
    await expect(env.caller.smsConfig.save({ ...INPUT, signName: '一二三四五六七八九十一二三' })).rejects.toThrow(/2–12 个字/)
    await expect(saveSmsConfig(env.deps, env.orgId, { ...INPUT, secretKey: '' })).rejects.toThrow(/SecretKey/)
    await expect(env.caller.smsConfig.test({ mobile: '123' })).rejects.toThrow(/手机号/)
    expect(await env.caller.smsConfig.test({ mobile: '13800138000' })).toEqual({ ok: false, message: '请先在「短信配置」中完成配置' })
    await expect(env.deps.sms.for(env.orgId)).rejects.toThrow('请先在「短信配置」中完成配置')
  })

  it('test answers the platform’s refusal in Chinese: wrong key, unapproved template, wrong signature', async () => {
    const env = await setup()
    await env.caller.smsConfig.save({ ...INPUT, secretKey: 'wrongSecretKey00000000000000000' })
    expect(await env.caller.smsConfig.test({ mobile: '13800138000' })).toMatchObject({
      ok: false,
      code: 'AuthFailure.SignatureFailure',
      message: '短信 SecretKey 不正确，请联系管理员检查短信配置（AuthFailure.SignatureFailure）',
    })
    // The cached client is rebuilt from the new row.
    await env.caller.smsConfig.save({ ...INPUT, codeTemplateId: DEMO_SMS.pendingTemplateId })
    expect(await env.caller.smsConfig.test({ mobile: '13800138000' })).toMatchObject({
      ok: false,
      code: 'FailedOperation.TemplateIncorrectOrUnapproved',
    })
    await env.caller.smsConfig.save({ ...INPUT, secretKey: '', signName: '别的签名' })
    const r = await env.caller.smsConfig.test({ mobile: '13800138000' })
    expect(r).toMatchObject({ ok: false, code: 'FailedOperation.SignatureIncorrectOrUnapproved' })
    expect(r.message).toMatch(/签名/)
  })

  it('is the org admin’s and per org', async () => {
    const env = await setup()
    await env.caller.smsConfig.save(INPUT)
    const other = await createOrgWithUser(env.deps, 'org_admin')
    const otherCaller = callerFor(env.deps, other.user)
    expect((await otherCaller.smsConfig.get()).configured).toBe(false)
    const member = await createOrgWithUser(env.deps, 'org_member')
    await expect(callerFor(env.deps, member.user).smsConfig.get()).rejects.toThrow()
    await expect(callerFor(env.deps, member.user).smsConfig.test({ mobile: '13800138000' })).rejects.toThrow()
    expect((await getSmsConfigView(env.deps, env.orgId)).configured).toBe(true)
  })
})

describe('demo links (linkDemoOrg)', () => {
  it('links SMS and the OA once: twice gives one row each; both work against the sandbox; a lost sandbox account comes back', async () => {
    const env = await setup()
    await linkDemoOrg(env.deps, env.sandbox, env.orgId, '测试诊所')
    await linkDemoOrg(env.deps, env.sandbox, env.orgId, '测试诊所')
    const sms = await env.deps.db.selectFrom('sms_configs').selectAll().execute()
    expect(sms).toHaveLength(1)
    expect(sms[0]).toMatchObject({ org_id: env.orgId, secret_id: DEMO_SMS.secretId, sms_sdk_app_id: DEMO_SMS.smsSdkAppId })
    const oa = await env.deps.db.selectFrom('oa_accounts').selectAll().execute()
    expect(oa).toHaveLength(1)
    expect(oa[0]).toMatchObject({ org_id: env.orgId, message_mode: 'safe', oauth_domain: new URL(env.baseUrl).host })
    const accounts = env.sandbox.control.listOaAccounts()
    expect(accounts).toHaveLength(1)
    expect(accounts[0]).toMatchObject({ appid: oa[0].app_id, oauth_domain: new URL(env.baseUrl).host })
    expect(accounts[0].callback).toMatchObject({ url: `${env.baseUrl}/api/wechat/callback/${oa[0].callback_key}`, token: oa[0].token })

    // SMS: the demo code reaches the sandbox inbox.
    const client = await env.deps.sms.for(env.orgId)
    await client.client.sendCode('13900139000', client.codeTemplateId, ['123456', '5'])
    expect((await inbox(env, '13900139000'))[0].text).toContain('【示例诊所】123456')
    expect((await env.caller.smsConfig.test({ mobile: '13700137000' })).ok).toBe(true)

    // OA: the connection test passes, and the account's events reach our callback route (safe mode).
    expect((await env.deps.oa.for(env.orgId)).appId).toBe(oa[0].app_id)
    expect(await testOaConnection(env.deps, env.orgId)).toMatchObject({ ok: true })
    const fan = env.sandbox.control.addOaFan(oa[0].app_id, { subscribed: false })
    const { delivery } = await env.sandbox.control.followOa(oa[0].app_id, fan.openid)
    expect(delivery?.status).toBe('delivered')
    expect(delivery?.url.startsWith(`${env.baseUrl}/api/wechat/callback/${oa[0].callback_key}?`)).toBe(true)

    // A sandbox without the OA world (not in its snapshot): the same account is recreated and pointed at us again.
    env.sandbox.state.oa.accounts.clear()
    await linkDemoOrg(env.deps, env.sandbox, env.orgId, '测试诊所')
    expect(await env.deps.db.selectFrom('oa_accounts').selectAll().execute()).toHaveLength(1)
    expect(env.sandbox.control.listOaAccounts()).toMatchObject([{ appid: oa[0].app_id, callback: { token: oa[0].token } }])
    expect(await testOaConnection(env.deps, env.orgId)).toMatchObject({ ok: true })
  })
})
