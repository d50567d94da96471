// WeCom configuration form: the fields an admin copies from the WeCom console.
import { z } from 'zod'

export const ENCODING_AES_KEY_RE = /^[a-zA-Z0-9]{43}$/

export const wecomConfigSaveInput = z.object({
  corpId: z
    .string()
    .trim()
    .regex(/^[a-zA-Z0-9_-]{4,64}$/, '企业ID（CorpID）格式不正确'),
  agentId: z
    .string()
    .trim()
    .regex(/^\d{1,12}$/, '应用 AgentId 应为数字')
    .or(z.literal(''))
    .optional(),
  /** Blank keeps the stored secret (the admin only ever sees it masked). */
  contactSecret: z.string().trim().max(128).optional(),
  agentSecret: z.string().trim().max(128).optional(),
  callbackToken: z
    .string()
    .trim()
    .regex(/^[a-zA-Z0-9]{1,32}$/, 'Token 为 1–32 位英文或数字')
    .optional(),
  encodingAesKey: z.string().trim().regex(ENCODING_AES_KEY_RE, 'EncodingAESKey 必须是 43 位英文或数字').optional(),
})
export type WecomConfigSaveInput = z.infer<typeof wecomConfigSaveInput>

export interface WecomConfigView {
  configured: boolean
  corpId: string
  agentId: string
  contactSecretMasked: string
  agentSecretMasked: string
  callbackTokenMasked: string
  encodingAesKeyMasked: string
  /** Paste into the WeCom console (应用管理 → 接收消息 → 设置API接收). */
  callbackUrl: string | null
  lastTest: { at: number; ok: boolean; message: string } | null
  staffCount: number | null
  token: { expiresAt: number; refreshedAt: number } | null
}
