// Tencent Cloud SMS (腾讯云短信) configuration form: API key from 访问管理, SDK AppID, signature and template from the SMS console.
import { z } from 'zod'

export const SMS_REGIONS = ['ap-guangzhou', 'ap-beijing', 'ap-nanjing'] as const
export type SmsRegion = (typeof SMS_REGIONS)[number]

export const smsConfigSaveInput = z.object({
  secretId: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9]{16,64}$/, 'SecretId 为 16–64 位英文或数字'),
  /** Blank keeps the stored key (the admin only ever sees it masked). */
  secretKey: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9]{16,64}$/, 'SecretKey 为 16–64 位英文或数字')
    .or(z.literal(''))
    .optional(),
  smsSdkAppId: z
    .string()
    .trim()
    .regex(/^\d{10}$/, 'SDK AppID 为 10 位数字（以 1400 开头）'),
  /** The approved signature's text (2–12 characters, without 【】), not its ID. */
  signName: z
    .string()
    .trim()
    .min(1, '请填写短信签名')
    .regex(/^[^【】[\]]{2,12}$/, '短信签名为 2–12 个字，不带【】'),
  region: z.enum(SMS_REGIONS).default('ap-guangzhou'),
  codeTemplateId: z
    .string()
    .trim()
    .regex(/^\d{1,20}$/, '验证码模板 ID 为数字'),
})
export type SmsConfigSaveInput = z.input<typeof smsConfigSaveInput>

export const smsConfigTestInput = z.object({
  mobile: z
    .string()
    .trim()
    .regex(/^(\+?86)?1\d{10}$/, '请输入 11 位手机号'),
})
export type SmsConfigTestInput = z.input<typeof smsConfigTestInput>

export interface SmsConfigView {
  configured: boolean
  secretId: string
  secretKeyMasked: string
  smsSdkAppId: string
  signName: string
  region: SmsRegion | string
  codeTemplateId: string
  updatedAt: number | null
}

export interface SmsTestResult {
  ok: boolean
  message: string
  /** the platform's code when it refused, e.g. 'FailedOperation.TemplateIncorrectOrUnapproved' */
  code?: string
}
