// 推送配置 form and list shapes: which intention levels of which script template alert whom, and how.
import { z } from 'zod'
import { INTENTION_LEVELS } from '../ingest-events'
import { pageInput } from './common'

export const PUSH_MODES = ['random', 'fixed', 'round_robin', 'none'] as const
export type PushMode = (typeof PUSH_MODES)[number]
export const PUSH_MODE_LABELS: Record<PushMode, string> = {
  random: '随机推送',
  fixed: '固定推送',
  round_robin: '顺序推送',
  none: '不推送',
}

/** Employees one config can push to; more would be a broadcast, not a routing rule. */
export const MAX_PUSH_EMPLOYEES = 100

const pushConfigObject = z.object({
  /** 话术模板 id from the calling system; empty = 默认设置. */
  scriptTemplateId: z.string().trim().max(64, '话术模板 ID 最多 64 个字符').default(''),
  scriptTemplateName: z.string().trim().max(100, '话术模板名称最多 100 个字').default(''),
  intentionLevels: z
    .array(z.enum(INTENTION_LEVELS))
    .min(1, '请至少选择一个意向等级')
    .transform((levels) => INTENTION_LEVELS.filter((l) => levels.includes(l))),
  pushMode: z.enum(PUSH_MODES),
  /** In push order (顺序推送 walks it). */
  employeeIds: z
    .array(z.number().int().positive())
    .max(MAX_PUSH_EMPLOYEES, `最多关联 ${MAX_PUSH_EMPLOYEES} 名员工`)
    .refine((ids) => new Set(ids).size === ids.length, '员工不能重复'),
  addToCrm: z.boolean().default(false),
  smsEnabled: z.boolean().default(false),
  smsTemplateId: z
    .string()
    .trim()
    .regex(/^\d{1,20}$/, '短信模板 ID 为数字')
    .nullable()
    .optional(),
})

function checkConsistent(
  v: { pushMode: PushMode; employeeIds: number[]; smsEnabled: boolean; smsTemplateId?: string | null },
  ctx: z.RefinementCtx,
) {
  if (v.pushMode !== 'none' && v.employeeIds.length === 0) {
    ctx.addIssue({ code: 'custom', path: ['employeeIds'], message: '请至少选择一名推送员工（或将推送方式设为不推送）' })
  }
  if (v.smsEnabled && !v.smsTemplateId) ctx.addIssue({ code: 'custom', path: ['smsTemplateId'], message: '开启短信时请填写短信模板 ID' })
}

export const pushConfigCreateInput = pushConfigObject.superRefine(checkConsistent)
export type PushConfigCreateInput = z.input<typeof pushConfigCreateInput>

export const pushConfigUpdateInput = pushConfigObject.extend({ id: z.number().int().positive() }).superRefine(checkConsistent)
export type PushConfigUpdateInput = z.input<typeof pushConfigUpdateInput>

export const pushConfigListInput = pageInput.extend({
  q: z.string().trim().max(100).optional(),
})
export type PushConfigListInput = z.infer<typeof pushConfigListInput>

export interface PushConfigEmployeeView {
  employeeId: number
  name: string
  mobile: string
  bound: boolean
  position: number
  lastPushedAt: number | null
  pushCount: number
}

export interface PushConfigView {
  id: number
  scriptTemplateId: string
  scriptTemplateName: string
  isDefault: boolean
  intentionLevels: string[]
  pushMode: PushMode
  addToCrm: boolean
  smsEnabled: boolean
  smsTemplateId: string | null
  employees: PushConfigEmployeeView[]
  createdAt: number
  updatedAt: number
}
