// 流失客户: the list's filters, the CSV export's filters and the per-org lost-customer alert setting.
import { z } from 'zod'
import { pageInput } from './common'

const userid = z.string().trim().min(1).max(64)

export const LOST_BY = ['staff', 'customer', 'sync'] as const
export type LostBy = (typeof LOST_BY)[number]
export const LOST_BY_LABELS: Record<LostBy, string> = {
  staff: '员工删除客户',
  customer: '客户删除员工',
  sync: '同步发现已流失',
}

export const lostFilterInput = z.object({
  userid: userid.optional(),
  /** lost at ≥ from (epoch ms) */
  from: z.number().int().nonnegative().optional(),
  /** lost at < to (epoch ms) */
  to: z.number().int().nonnegative().optional(),
})
export type LostFilter = z.infer<typeof lostFilterInput>

export const lostListInput = pageInput.merge(lostFilterInput)
export type LostListInput = z.infer<typeof lostListInput>

export const LOST_ALERT_MODES = ['immediate', 'digest', 'off'] as const
export const LOST_ALERT_MODE_LABELS: Record<(typeof LOST_ALERT_MODES)[number], string> = {
  immediate: '立即通知员工',
  digest: '每日 09:00 汇总',
  off: '关闭',
}

export const lostAlertSettingInput = z
  .object({
    mode: z.enum(LOST_ALERT_MODES),
    recipients: z.array(userid).max(50, '汇总接收人最多 50 位').default([]),
  })
  .refine((v) => v.mode !== 'digest' || v.recipients.length > 0, { message: '每日汇总需要至少选择一位接收人', path: ['recipients'] })
export type LostAlertSettingInput = z.infer<typeof lostAlertSettingInput>
