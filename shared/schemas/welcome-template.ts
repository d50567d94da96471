// Reusable welcome-message templates (text + attachments), chosen per contact way or as the org's default.
import { z } from 'zod'
import { welcomeMessage } from './contact-way'

export const welcomeTemplateSaveInput = z.object({
  name: z.string().trim().min(1, '请输入模板名称').max(64),
  message: welcomeMessage,
})
export type WelcomeTemplateSaveInput = z.infer<typeof welcomeTemplateSaveInput>

export const welcomeTemplateUpdateInput = welcomeTemplateSaveInput.extend({ id: z.number().int().positive() })

/** contactWayId null = the org default (used by every way that has neither its own welcome nor a template). */
export const welcomeTemplateAssignInput = z.object({
  contactWayId: z.number().int().positive().nullable(),
  /** null removes the assignment. */
  templateId: z.number().int().positive().nullable(),
})
export type WelcomeTemplateAssignInput = z.infer<typeof welcomeTemplateAssignInput>
