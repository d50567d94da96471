// Delivery reports out, like the SMS console's 状态回调: a JSON array POSTed to the configured URL after each send.
import type { SmsMessage, SmsWorld } from './state'

export interface DeliveryReport {
  /** Beijing time, 'YYYY-MM-DD HH:mm:ss' */
  user_receive_time: string
  nationcode: string
  mobile: string
  report_status: 'SUCCESS' | 'FAIL'
  errmsg: string
  description: string
  /** the SerialNo SendSms returned */
  sid: string
}

export function beijingTime(ms: number): string {
  return new Date(ms + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ')
}

export function deliveryReport(m: SmsMessage, receivedAt: number): DeliveryReport {
  return {
    user_receive_time: beijingTime(receivedAt),
    nationcode: '86',
    mobile: m.phone.replace(/^\+86/, ''),
    report_status: 'SUCCESS',
    errmsg: 'DELIVRD',
    description: '用户短信送达成功',
    sid: m.serialNo,
  }
}

/** Posts reports without holding up the SendSms answer; `idle()` lets tests wait for the ones in flight. */
export class ReportSender {
  private inFlight = new Set<Promise<void>>()

  constructor(
    private world: SmsWorld,
    private timeoutMs: number,
  ) {}

  send(messages: SmsMessage[], receivedAt: number): void {
    const url = this.world.callbackUrl
    if (!url || messages.length === 0) return
    const p = this.post(url, messages, receivedAt).finally(() => this.inFlight.delete(p))
    this.inFlight.add(p)
  }

  private async post(url: string, messages: SmsMessage[], receivedAt: number): Promise<void> {
    const serialNos = messages.map((m) => m.serialNo)
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(messages.map((m) => deliveryReport(m, receivedAt))),
        signal: AbortSignal.timeout(this.timeoutMs),
      })
      await res.text()
      this.world.logReport({ url, serialNos, status: res.status })
    } catch (err) {
      this.world.logReport({ url, serialNos, status: null, error: (err as Error).message })
    }
  }

  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight])
  }
}
