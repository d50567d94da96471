// SMS delivery reports (状态回调) in: the JSON array Tencent POSTs, parsed, and the answer it expects.
import { z } from 'zod'

const report = z.object({
  /** Beijing time, 'YYYY-MM-DD HH:mm:ss' */
  user_receive_time: z.string(),
  nationcode: z.string(),
  mobile: z.string(),
  report_status: z.enum(['SUCCESS', 'FAIL']),
  /** 'DELIVRD' on success, an operator code otherwise */
  errmsg: z.string(),
  description: z.string().optional().default(''),
  /** the SerialNo SendSms returned for this number */
  sid: z.string().min(1),
})

export type SmsDeliveryReport = z.infer<typeof report>

const reports = z.array(report).max(10_000)

/** The body of a report POST; throws a ZodError for anything else (the URL is unsigned, so strangers may post to it). */
export function parseDeliveryReports(body: unknown): SmsDeliveryReport[] {
  return reports.parse(body)
}

/** What Tencent expects back once the reports are stored. */
export const DELIVERY_REPORT_ACK = { result: 0, errmsg: 'OK' } as const

/** 'YYYY-MM-DD HH:mm:ss' in Beijing time → epoch ms, or null when it is not such a time. */
export function reportTimeMs(t: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(t)
  if (!m) return null
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number]
  return Date.UTC(y, mo - 1, d, h - 8, mi, s)
}
