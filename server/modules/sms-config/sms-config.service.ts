// SMS configuration: save with the SecretKey sealed, show it masked, test by sending the verification-code template.
import { randomInt } from 'node:crypto'
import type { Deps } from '../../deps'
import { InvalidInputError, PreconditionError } from '../../lib/errors'
import { maskSecret } from '../../lib/secret-box'
import { PlatformTransportError, SmsError } from '../../platform/errors'
import {
  smsConfigSaveInput,
  smsConfigTestInput,
  type SmsConfigSaveInput,
  type SmsConfigTestInput,
  type SmsConfigView,
  type SmsTestResult,
} from '../../../shared/schemas/sms-config'
import { findSmsConfigByOrg, saveSmsConfigRow } from './sms-config.repository'

/** Minutes the test code is said to be valid for: the code template's {2}. */
export const SMS_CODE_TTL_MINUTES = 5

const EMPTY: SmsConfigView = {
  configured: false,
  secretId: '',
  secretKeyMasked: '',
  smsSdkAppId: '',
  signName: '',
  region: 'ap-guangzhou',
  codeTemplateId: '',
  updatedAt: null,
}

export async function getSmsConfigView(deps: Deps, orgId: number): Promise<SmsConfigView> {
  const row = await findSmsConfigByOrg(deps.db, orgId)
  if (!row) return { ...EMPTY }
  return {
    configured: true,
    secretId: row.secret_id,
    secretKeyMasked: maskSecret(deps.secrets.open(row.secret_key_sealed)),
    smsSdkAppId: row.sms_sdk_app_id,
    signName: row.sign_name,
    region: row.region,
    codeTemplateId: row.code_template_id,
    updatedAt: row.updated_at,
  }
}

/** Saves the org's SMS config; a blank SecretKey keeps the stored one. */
export async function saveSmsConfig(deps: Deps, orgId: number, raw: SmsConfigSaveInput): Promise<SmsConfigView> {
  const parsed = smsConfigSaveInput.safeParse(raw)
  if (!parsed.success) throw new InvalidInputError(`输入无效：${parsed.error.issues.map((i) => i.message).join('；')}`)
  const input = parsed.data
  const existing = await findSmsConfigByOrg(deps.db, orgId)
  const secretKey = input.secretKey ? deps.secrets.seal(input.secretKey) : existing?.secret_key_sealed
  if (!secretKey) throw new InvalidInputError('输入无效：SecretKey 不能为空')
  const now = deps.clock.now()
  const values = {
    secret_id: input.secretId,
    secret_key_sealed: secretKey,
    sms_sdk_app_id: input.smsSdkAppId,
    sign_name: input.signName,
    region: input.region,
    code_template_id: input.codeTemplateId,
    // Strictly increasing, so cached clients built from the old row are rebuilt.
    updated_at: Math.max(now, (existing?.updated_at ?? 0) + 1),
  }
  await saveSmsConfigRow(deps.db, { ...values, org_id: orgId, created_at: now })
  deps.sms.forget(orgId)
  return getSmsConfigView(deps, orgId)
}

/** Sends the verification-code template with a random 6-digit code to the number the admin entered. */
export async function testSmsConfig(deps: Deps, orgId: number, raw: SmsConfigTestInput): Promise<SmsTestResult> {
  const parsed = smsConfigTestInput.safeParse(raw)
  if (!parsed.success) throw new InvalidInputError(`输入无效：${parsed.error.issues.map((i) => i.message).join('；')}`)
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0')
  try {
    const sms = await deps.sms.for(orgId)
    const sent = await sms.client.sendCode(parsed.data.mobile, sms.codeTemplateId, [code, String(SMS_CODE_TTL_MINUTES)])
    return { ok: true, message: `测试短信已发送到 ${sent.phone || parsed.data.mobile}，验证码 ${code}，请查收` }
  } catch (err) {
    if (err instanceof SmsError) return { ok: false, code: err.code, message: `${err.hint}（${err.code}）` }
    if (err instanceof PlatformTransportError) return { ok: false, message: `无法连接短信接口：${err.message}` }
    if (err instanceof PreconditionError) return { ok: false, message: err.message }
    throw err
  }
}
