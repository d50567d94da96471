// API 密钥 for the events ingest API: create (the secret is shown once), list, revoke.
import { z } from 'zod'

export const apiKeyCreateInput = z.object({
  name: z.string().trim().min(1, '请填写密钥名称').max(50, '名称最多 50 个字'),
})
export type ApiKeyCreateInput = z.infer<typeof apiKeyCreateInput>

export interface ApiKeyView {
  id: number
  name: string
  /** Sent as X-Api-Key; not secret. */
  keyId: string
  isDemo: boolean
  createdAt: number
  lastUsedAt: number | null
  revokedAt: number | null
}

/** Only the create call returns the secret; it cannot be shown again. */
export interface ApiKeyCreated extends ApiKeyView {
  secret: string
}
