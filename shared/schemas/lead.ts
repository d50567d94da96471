// 线索 list filters and changes: intent calls handed to an employee by 加入CRM.
import { z } from 'zod'
import { pageInput } from './common'

export const LEAD_STATUSES = ['new', 'following', 'converted', 'invalid'] as const
export type LeadStatus = (typeof LEAD_STATUSES)[number]
export const LEAD_STATUS_LABELS: Record<LeadStatus, string> = {
  new: '新线索',
  following: '跟进中',
  converted: '已转化',
  invalid: '无效',
}

export const leadListInput = pageInput.extend({
  employeeId: z.number().int().positive().optional(),
  status: z.enum(LEAD_STATUSES).optional(),
  /** Created at or after (epoch ms). */
  from: z.number().int().nonnegative().optional(),
  /** Created before (epoch ms). */
  to: z.number().int().nonnegative().optional(),
  /** Searches phone and customer name. */
  q: z.string().trim().max(100).optional(),
})
export type LeadListInput = z.infer<typeof leadListInput>

export const leadSetStatusInput = z.object({ id: z.number().int().positive(), status: z.enum(LEAD_STATUSES) })
export const leadAssignInput = z.object({ id: z.number().int().positive(), employeeId: z.number().int().positive() })

export interface LeadView {
  id: number
  callId: string
  phone: string
  customerName: string
  intentionLevel: string | null
  detailUrl: string | null
  status: LeadStatus
  employeeId: number | null
  employeeName: string | null
  createdAt: number
  updatedAt: number
}
