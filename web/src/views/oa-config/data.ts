// 公众号配置: the form, its rules from the shared `oaConfigSaveInput`, the save input (blank secret = keep) and the
// verification file (MP_verify_xxx.txt) read in the browser.
import type { FormItemRule, FormRules } from 'element-plus'
import type { ZodType } from 'zod'
import {
  OA_VERIFY_FILE_RE,
  oaConfigSaveInput,
  type OaConfigSaveInput,
  type OaConfigView,
  type OaMessageMode,
} from '../../../../shared/schemas/oa-config'
import { optionalText } from '../../utils/paged-list'
import { zodRule } from '../../utils/zod-rule'

export const MESSAGE_MODE_OPTIONS: { value: OaMessageMode; label: string; hint: string }[] = [
  { value: 'plain', label: '明文模式', hint: '消息不加密（不需要 EncodingAESKey）' },
  { value: 'compatible', label: '兼容模式', hint: '明文与密文同时发送' },
  { value: 'safe', label: '安全模式（推荐）', hint: '消息全部加密' },
]

export function emptyConfigForm() {
  return {
    name: '',
    appId: '',
    appSecret: '',
    token: '',
    encodingAesKey: '',
    messageMode: 'safe' as OaMessageMode,
    originalId: '',
    oauthDomain: '',
    /** The verification file's name: the stored one, or the one just picked. */
    verifyFileName: '',
    /** The picked file's text; '' keeps the stored content (same file name). */
    verifyFileContent: '',
  }
}
export type ConfigForm = ReturnType<typeof emptyConfigForm>

/** The form as the stored view gives it (secrets blank: they show masked as placeholders). */
export function formFromView(view: OaConfigView | null): ConfigForm {
  const form = emptyConfigForm()
  if (!view || view.source !== 'own') return form
  return {
    ...form,
    name: view.name,
    appId: view.appId,
    messageMode: view.messageMode,
    originalId: view.originalId,
    oauthDomain: view.oauthDomain,
    verifyFileName: view.verifyFileName,
  }
}

/** The fields whose stored value is never sent back; they show masked as the placeholder. */
export type SecretField = 'appSecret' | 'token' | 'encodingAesKey'
const MASKED: Record<SecretField, 'appSecretMasked' | 'tokenMasked' | 'encodingAesKeyMasked'> = {
  appSecret: 'appSecretMasked',
  token: 'tokenMasked',
  encodingAesKey: 'encodingAesKeyMasked',
}

const stored = (view: OaConfigView | null, f: SecretField) => view?.source === 'own' && !!view[MASKED[f]]

export function secretPlaceholder(view: OaConfigView | null, field: SecretField, empty: string): string {
  return stored(view, field) ? `${view![MASKED[field]]}（留空则不修改）` : empty
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
 * The first save needs the AppSecret and Token (the server refuses an account without them); compatible and safe
 * mode need an EncodingAESKey unless one is stored. Later saves may leave the secrets blank.
 */
export function configFormRules(view: OaConfigView | null, form: ConfigForm): FormRules<ConfigForm> {
  const s = oaConfigSaveInput.shape
  const secret = (f: SecretField, label: string, schema: ZodType, needed = true) =>
    stored(view, f) || !needed ? [blankOrValid(schema)] : [required(`请输入${label}`), zodRule(schema)]
  return {
    name: [required('请填写公众号名称'), zodRule(s.name)],
    appId: [required('请填写 AppID'), zodRule(s.appId)],
    appSecret: secret('appSecret', 'AppSecret', s.appSecret),
    token: secret('token', 'Token', s.token),
    encodingAesKey: secret('encodingAesKey', 'EncodingAESKey', s.encodingAesKey, form.messageMode !== 'plain'),
    originalId: [zodRule(s.originalId)],
    oauthDomain: [zodRule(s.oauthDomain)],
    verifyFileName: [zodRule(s.verifyFileName, 'change')],
  }
}

export function toSaveInput(form: ConfigForm): OaConfigSaveInput {
  return {
    name: form.name.trim(),
    appId: form.appId.trim(),
    appSecret: optionalText(form.appSecret),
    token: optionalText(form.token),
    encodingAesKey: optionalText(form.encodingAesKey),
    messageMode: form.messageMode,
    originalId: form.originalId.trim(),
    oauthDomain: form.oauthDomain.trim(),
    verifyFileName: form.verifyFileName.trim(),
    verifyFileContent: optionalText(form.verifyFileContent),
  }
}

/** At most this much text: 公众平台's files hold a 16-character code; the server keeps up to 255. */
const MAX_VERIFY_CONTENT = 255

/** Reads a picked MP_verify_xxx.txt: its name and trimmed text, or why it cannot be used. */
export async function readVerifyFile(file: File): Promise<{ name: string; content: string } | { error: string }> {
  if (!OA_VERIFY_FILE_RE.test(file.name)) return { error: '校验文件名应为 MP_verify_xxx.txt（请选择公众平台下载的原文件）' }
  if (file.size > 4096) return { error: '校验文件过大，请选择公众平台下载的原文件' }
  const content = (await file.text()).trim()
  if (!content) return { error: '校验文件内容为空' }
  if (content.length > MAX_VERIFY_CONTENT) return { error: `校验文件内容不能超过 ${MAX_VERIFY_CONTENT} 个字符` }
  return { name: file.name, content }
}

/** What each template key type means, for the tags in the templates table. */
const KEY_TYPE_LABELS: Record<string, string> = {
  thing: '事物',
  short_thing: '短事物',
  number: '数字',
  letter: '字母',
  symbol: '符号',
  character_string: '字符串',
  time: '时间',
  date: '日期',
  amount: '金额',
  phone_number: '电话',
  car_number: '车牌',
  name: '姓名',
  phrase: '短语',
  const: '常量',
  keyword: '旧版关键词',
  first: '首行（已不显示）',
  remark: '备注（已不显示）',
  unknown: '未知类型',
}

export function keyTypeLabel(type: string): string {
  return KEY_TYPE_LABELS[type] ?? type
}
