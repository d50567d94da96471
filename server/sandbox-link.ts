// Connects an org to the sandbox: WeCom (a corp's secrets, the corp calls our callback route), SMS (the demo SMS app, its reports to us) and
// the Official Account (a sandbox account whose server URL is our /api/wechat/callback/<key>).
import { randomBytes } from 'node:crypto'
import type { Deps } from './deps'
import { generateEncodingAesKey } from './platform/crypto'
import { DEMO_SMS } from './sandbox/sms/index'
import type { Sandbox } from './sandbox/index'
import { oaCallbackUrlFor, saveOaConfig } from './modules/oa-config/oa-config.service'
import { findOwnAccount } from './modules/oa-config/oa-config.repository'
import { saveSmsConfig } from './modules/sms-config/sms-config.service'
import { ensureSettingsRow } from './modules/notifications/notifications.service'
import { smsReportUrl } from './modules/notifications/sms-report.route'
import { findSmsConfigByOrg } from './modules/sms-config/sms-config.repository'
import { callbackUrlFor, saveConfig } from './modules/wecom-config/wecom-config.service'
import { findConfigByOrg } from './modules/wecom-config/wecom-config.repository'
import { syncStaff } from './modules/wecom-config/wecom-config.service'

export async function linkOrgToSandboxCorp(deps: Deps, sandbox: Sandbox, orgId: number, corpid: string): Promise<void> {
  const corp = sandbox.control.getCorp(corpid)
  const contact = corp.apps.find((a) => a.kind === 'contact')
  const agent = corp.apps.find((a) => a.kind === 'agent')
  if (!contact) throw new Error(`sandbox corp ${corpid} has no customer-contact app`)
  const callbackToken = randomBytes(12).toString('hex')
  const encodingAesKey = generateEncodingAesKey()
  await saveConfig(deps, orgId, {
    corpId: corpid,
    agentId: agent ? String(agent.agentid) : '',
    contactSecret: contact.secret,
    agentSecret: agent?.secret,
    callbackToken,
    encodingAesKey,
  })
  const row = await findConfigByOrg(deps.db, orgId)
  sandbox.control.setCallback(corpid, { url: callbackUrlFor(deps, row!.callback_key), token: callbackToken, encodingAesKey })
  await syncStaff(deps, orgId)
}

/**
 * The demo: the demo org talks to the sandbox's demo corp, with matching secrets and callback settings, sends SMS
 * through the sandbox's demo SMS app and has a sandbox Official Account. Each link is kept when already in place.
 */
export async function linkDemoOrg(deps: Deps, sandbox: Sandbox, orgId: number, corpName: string): Promise<string | null> {
  // SMS and OA do not depend on the corp: a failure of one leaves the others linked.
  for (const [what, link] of [
    ['sms', () => linkDemoSms(deps, orgId)],
    ['sms-reports', () => linkDemoSmsReports(deps, sandbox, orgId)],
    ['oa', () => linkDemoOa(deps, sandbox, orgId)],
  ] as const) {
    await link().catch((err: unknown) => deps.log.error({ err, what }, 'could not link the demo org to the sandbox'))
  }
  const corp = sandbox.control.listCorps().find((c) => c.name === corpName)
  if (!corp) return null
  const existing = await findConfigByOrg(deps.db, orgId)
  // Relink only when the pair no longer matches (first start, re-seeded sandbox); otherwise keep the admin's settings.
  if (!existing || existing.corp_id !== corp.corpid || !corp.callback) await linkOrgToSandboxCorp(deps, sandbox, orgId, corp.corpid)
  return corp.corpid
}

/** The org's SMS config becomes the sandbox's demo SMS app (always seeded the same); an existing config is kept. */
export async function linkDemoSms(deps: Deps, orgId: number): Promise<void> {
  if (await findSmsConfigByOrg(deps.db, orgId)) return
  await saveSmsConfig(deps, orgId, {
    secretId: DEMO_SMS.secretId,
    secretKey: DEMO_SMS.secretKey,
    smsSdkAppId: DEMO_SMS.smsSdkAppId,
    signName: DEMO_SMS.signName,
    region: 'ap-guangzhou',
    codeTemplateId: DEMO_SMS.codeTemplateId,
  })
}

/** The sandbox's SMS 状态回调 goes to the demo org's report URL, as an admin would enter it in the SMS console. */
export async function linkDemoSmsReports(deps: Deps, sandbox: Sandbox, orgId: number): Promise<void> {
  const row = await ensureSettingsRow(deps, orgId)
  sandbox.sms.world.callbackUrl = smsReportUrl(deps, row.sms_report_key)
}

export const DEMO_OA_NAME = '示例诊所服务号'

/**
 * The org's Official Account becomes a sandbox account (OAuth domain: our public host) whose server URL is our OA
 * callback route. Idempotent: with the org's row in place, a sandbox that lost the account (the OA world is not in
 * the snapshot) gets it back with the same AppID and secret, and its server URL is pointed at us again if it differs.
 */
export async function linkDemoOa(deps: Deps, sandbox: Sandbox, orgId: number): Promise<string> {
  const oauthDomain = new URL(deps.config.publicBaseUrl).host
  let row = await findOwnAccount(deps.db, orgId)
  if (!row) {
    const account = sandbox.control.createOaAccount({ name: DEMO_OA_NAME, oauth_domain: oauthDomain })
    await saveOaConfig(deps, orgId, {
      name: account.name,
      appId: account.appid,
      appSecret: account.secret,
      token: randomBytes(12).toString('hex'),
      encodingAesKey: generateEncodingAesKey(),
      // The sandbox sends events in safe mode.
      messageMode: 'safe',
      originalId: account.gh_id,
      oauthDomain,
    })
    row = (await findOwnAccount(deps.db, orgId))!
  } else if (!sandbox.control.listOaAccounts().some((a) => a.appid === row!.app_id)) {
    sandbox.control.createOaAccount({
      name: row.name,
      appid: row.app_id,
      secret: deps.secrets.open(row.app_secret_sealed),
      oauth_domain: row.oauth_domain || oauthDomain,
    })
  }
  const account = sandbox.control.listOaAccounts().find((a) => a.appid === row.app_id)!
  const url = oaCallbackUrlFor(deps, row.callback_key)
  const encodingAesKey = row.encoding_aes_key_sealed ? deps.secrets.open(row.encoding_aes_key_sealed) : undefined
  if (account.callback?.url !== url || account.callback.token !== row.token || account.callback.encodingAesKey !== encodingAesKey) {
    sandbox.control.setOaCallback(row.app_id, { url, token: row.token, encodingAesKey })
  }
  return row.app_id
}
