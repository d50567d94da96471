// 企业微信配置: the form, its rules from the shared `wecomConfigSaveInput`, and the save input (blank secret = keep).
import type { FormItemRule, FormRules } from 'element-plus'
import type { ZodType } from 'zod'
import { wecomConfigSaveInput, type WecomConfigSaveInput, type WecomConfigView } from '../../../../shared/schemas/wecom-config'
import { optionalText } from '../../utils/paged-list'
import { zodRule } from '../../utils/zod-rule'

export function emptyConfigForm() {
  return { corpId: '', agentId: '', contactSecret: '', agentSecret: '', callbackToken: '', encodingAesKey: '' }
}
export type ConfigForm = ReturnType<typeof emptyConfigForm>

/** The fields whose stored value is never sent back; they show masked as the placeholder. */
export type SecretField = 'contactSecret' | 'agentSecret' | 'callbackToken' | 'encodingAesKey'
const MASKED: Record<SecretField, keyof WecomConfigView> = {
  contactSecret: 'contactSecretMasked',
  agentSecret: 'agentSecretMasked',
  callbackToken: 'callbackTokenMasked',
  encodingAesKey: 'encodingAesKeyMasked',
}

export function secretPlaceholder(view: WecomConfigView | null, field: SecretField, empty: string): string {
  const masked = view?.[MASKED[field]]
  return typeof masked === 'string' && masked ? `${masked}（留空则不修改）` : empty
}

/** A blank value passes (keeps the stored one); anything typed must satisfy the schema. */
function blankOrValid(schema: ZodType): FormItemRule {
  const rule = zodRule(schema)
  return { ...rule, validator: (r, value, cb, source, options) => (value === '' ? cb() : rule.validator!(r, value, cb, source, options)) }
}

function required(message: string): FormItemRule {
  return { required: true, message, trigger: 'blur' }
}

/**
 * The first save needs the Secret, Token and EncodingAESKey (the server refuses a config without them);
 * later saves may leave them blank. The agent Secret is optional in both cases.
 */
export function configFormRules(view: WecomConfigView | null): FormRules<ConfigForm> {
  const s = wecomConfigSaveInput.shape
  const stored = (f: SecretField) => !!view?.[MASKED[f]]
  const secret = (f: SecretField, label: string, schema: ZodType) =>
    stored(f) ? [blankOrValid(schema)] : [required(`请输入${label}`), zodRule(schema)]
  return {
    corpId: [zodRule(s.corpId)],
    agentId: [zodRule(s.agentId)],
    contactSecret: secret('contactSecret', '客户联系 Secret', s.contactSecret),
    agentSecret: [blankOrValid(s.agentSecret)],
    callbackToken: secret('callbackToken', '回调 Token', s.callbackToken),
    encodingAesKey: secret('encodingAesKey', 'EncodingAESKey', s.encodingAesKey),
  }
}

export function toSaveInput(form: ConfigForm): WecomConfigSaveInput {
  return {
    corpId: form.corpId.trim(),
    agentId: form.agentId.trim(),
    contactSecret: optionalText(form.contactSecret),
    agentSecret: optionalText(form.agentSecret),
    callbackToken: optionalText(form.callbackToken),
    encodingAesKey: optionalText(form.encodingAesKey),
  }
}
