// 短信配置: the form, its rules from the shared `smsConfigSaveInput` (a blank SecretKey keeps the stored one) and the save input.
import type { FormItemRule, FormRules } from 'element-plus'
import type { ZodType } from 'zod'
import {
  SMS_REGIONS,
  smsConfigSaveInput,
  type SmsConfigSaveInput,
  type SmsConfigView,
  type SmsRegion,
} from '../../../../shared/schemas/sms-config'
import { optionalText } from '../../utils/paged-list'
import { zodRule } from '../../utils/zod-rule'

const REGION_LABELS: Record<SmsRegion, string> = {
  'ap-guangzhou': '华南地区（广州）',
  'ap-beijing': '华北地区（北京）',
  'ap-nanjing': '华东地区（南京）',
}
export const REGION_OPTIONS = SMS_REGIONS.map((value) => ({ value, label: `${REGION_LABELS[value]} ${value}` }))

export function emptySmsForm() {
  return { secretId: '', secretKey: '', smsSdkAppId: '', signName: '', region: 'ap-guangzhou' as SmsRegion, codeTemplateId: '' }
}
export type SmsForm = ReturnType<typeof emptySmsForm>

/** The form as the stored view gives it (the SecretKey blank: it shows masked as the placeholder). */
export function smsFormFromView(view: SmsConfigView | null): SmsForm {
  const form = emptySmsForm()
  if (!view?.configured) return form
  const region = (SMS_REGIONS as readonly string[]).includes(view.region) ? (view.region as SmsRegion) : form.region
  return {
    ...form,
    secretId: view.secretId,
    smsSdkAppId: view.smsSdkAppId,
    signName: view.signName,
    region,
    codeTemplateId: view.codeTemplateId,
  }
}

export function secretKeyPlaceholder(view: SmsConfigView | null): string {
  return view?.configured && view.secretKeyMasked ? `${view.secretKeyMasked}（留空则不修改）` : '访问管理 → API 密钥的 SecretKey'
}

/** The first save needs the SecretKey; later ones may leave it blank (kept), anything typed must be valid. */
export function smsFormRules(view: SmsConfigView | null): FormRules<SmsForm> {
  const s = smsConfigSaveInput.shape
  const keyRule = zodRule(s.secretKey as ZodType)
  const blankOrValid: FormItemRule = {
    ...keyRule,
    validator: (r, value, cb, source, options) => (value === '' ? cb() : keyRule.validator!(r, value, cb, source, options)),
  }
  return {
    secretId: [{ required: true, message: '请填写 SecretId', trigger: 'blur' }, zodRule(s.secretId)],
    secretKey: view?.configured ? [blankOrValid] : [{ required: true, message: '请填写 SecretKey', trigger: 'blur' }, keyRule],
    smsSdkAppId: [{ required: true, message: '请填写 SDK AppID', trigger: 'blur' }, zodRule(s.smsSdkAppId)],
    signName: [zodRule(s.signName)],
    codeTemplateId: [{ required: true, message: '请填写验证码模板 ID', trigger: 'blur' }, zodRule(s.codeTemplateId)],
  }
}

export function toSmsSaveInput(form: SmsForm): SmsConfigSaveInput {
  return {
    secretId: form.secretId.trim(),
    secretKey: optionalText(form.secretKey),
    smsSdkAppId: form.smsSdkAppId.trim(),
    signName: form.signName.trim(),
    region: form.region,
    codeTemplateId: form.codeTemplateId.trim(),
  }
}
