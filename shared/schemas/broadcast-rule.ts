// Automation rules that create broadcasts by themselves each day: who matches, what they get, at most once per period.
import { z } from 'zod'
import { broadcastContent, customerCsvInput } from './broadcast'

export const ruleCondition = z.discriminatedUnion('kind', [
  /** Birthday (a CRM field) falls N days from today: 0 = on the day, 7 = a week ahead. */
  z.object({ kind: z.literal('birthday_in_days'), days: z.number().int().min(0).max(60) }),
  /** First added exactly N days ago (China time calendar days). */
  z.object({ kind: z.literal('added_days_ago'), days: z.number().int().min(0).max(3650) }),
  /** No inbound message for at least N days. */
  z.object({ kind: z.literal('no_inbound_days'), days: z.number().int().min(1).max(3650) }),
  z.object({ kind: z.literal('has_tag'), tagId: z.number().int().positive() }),
])
export type RuleCondition = z.infer<typeof ruleCondition>

export const RULE_PERIODS = ['once', 'year', 'month', 'week', 'day'] as const
export type RulePeriod = (typeof RULE_PERIODS)[number]

export const broadcastRuleSaveInput = z.object({
  name: z.string().trim().min(1, '请输入规则名称').max(64),
  condition: ruleCondition,
  content: broadcastContent,
  /** A customer gets the rule's message at most once per period. */
  period: z.enum(RULE_PERIODS),
  enabled: z.boolean().default(true),
})
export type BroadcastRuleSaveInput = z.infer<typeof broadcastRuleSaveInput>
export const broadcastRuleUpdateInput = broadcastRuleSaveInput.extend({ id: z.number().int().positive() })

export const customerBirthdayInput = z.object({
  customerId: z.number().int().positive(),
  /** MM-DD, or null to clear. */
  birthday: z
    .string()
    .regex(/^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, '生日格式为 MM-DD')
    .nullable(),
})

/** A CSV of (external_userid or remark mobile, birthday); a dry run checks every row and writes nothing. */
export const birthdayCsvInput = customerCsvInput.extend({ dryRun: z.boolean().default(true) })
