// 概览: the window the dashboard's charts and rankings cover, and the labels of its welcome outcomes.
import { z } from 'zod'

export const DASHBOARD_DAYS = [7, 30, 90] as const

export const dashboardInput = z.object({
  /** Days ending today (Beijing time), today included. */
  days: z
    .number()
    .int()
    .refine((d) => (DASHBOARD_DAYS as readonly number[]).includes(d), { message: '统计天数只能是 7、30 或 90 天' })
    .default(30),
})
export type DashboardInput = z.infer<typeof dashboardInput>

export const WELCOME_OUTCOMES = ['sent', 'expired', 'already_used', 'failed', 'skipped', 'sending'] as const
export type WelcomeOutcome = (typeof WELCOME_OUTCOMES)[number]
export const WELCOME_OUTCOME_LABELS: Record<WelcomeOutcome, string> = {
  sent: '已发送',
  expired: '已过期',
  already_used: '已被使用',
  failed: '发送失败',
  skipped: '无欢迎码',
  sending: '发送中',
}
