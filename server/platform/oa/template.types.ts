// Template message shapes: the private template list and the send request/response.
import { z } from 'zod'
import { withOaBase } from './types'

export const PrivateTemplate = z.object({
  template_id: z.string().min(1),
  title: z.string(),
  primary_industry: z.string().optional(),
  deputy_industry: z.string().optional(),
  /** Holds the `{{key.DATA}}` placeholders; see parseTemplateKeys. */
  content: z.string(),
  example: z.string().optional(),
})
export type PrivateTemplate = z.infer<typeof PrivateTemplate>

export const ListTemplatesResponse = withOaBase({ template_list: z.array(PrivateTemplate) })
export type ListTemplatesResponse = z.infer<typeof ListTemplatesResponse>

export interface SendTemplateRequest {
  touser: string
  template_id: string
  /** Click-through URL; a miniprogram, when given, wins over it. */
  url?: string
  miniprogram?: { appid: string; pagepath?: string }
  /** Keys are the placeholders without `.DATA`; `color` is ignored by the platform since 2023-05. */
  data: Record<string, { value: string }>
  /** Required here: the same openid + client_msg_id is sent once within 10 min, which is what makes a resend safe. */
  client_msg_id: string
}

export const SendTemplateResponse = withOaBase({ msgid: z.union([z.number(), z.string()]) })
export type SendTemplateResponse = z.infer<typeof SendTemplateResponse>
