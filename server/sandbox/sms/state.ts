// The SMS emulator's world: API keys, SMS apps with their signatures and templates, sent messages and delivery reports.

export type ReviewStatus = 'approved' | 'pending' | 'rejected'

export interface SmsTemplate {
  id: string
  /** e.g. '{1}为您的登录验证码，请于{2}分钟内填写。' */
  content: string
  /** 'code': {1} is a verification code, 0–6 digits */
  kind: 'code' | 'notice'
  status: ReviewStatus
}

export interface SmsApp {
  smsSdkAppId: string
  name: string
  /** signature text → review status */
  signs: Map<string, ReviewStatus>
  templates: Map<string, SmsTemplate>
}

export interface ApiKey {
  secretId: string
  secretKey: string
  /** the SMS apps this key may send through */
  appIds: Set<string>
}

export interface SmsMessage {
  serialNo: string
  /** E.164, +86… */
  phone: string
  smsSdkAppId: string
  signName: string
  templateId: string
  params: string[]
  /** what the phone shows: 【sign】text */
  text: string
  fee: number
  sessionContext: string
  /** sandbox-clock ms */
  sentAt: number
}

/** An injected failure for the next SendSms calls (after the signature check, before the send). */
export interface SmsFault {
  /** answer Response.Error with this code, e.g. 'InternalError.Timeout' or 'RequestLimitExceeded' */
  errorCode?: string
  /** never answer: the client's timeout fires */
  hang?: boolean
  /** how many calls it still applies to; null = until the faults are replaced */
  remaining: number | null
}

export interface ReportAttempt {
  url: string
  serialNos: string[]
  status: number | null
  error?: string
}

/** Sent messages kept for the inbox and the frequency rules; older ones fall off (a day's worth for a demo). */
export const MESSAGE_CAP = 20_000
export const REPORT_LOG_CAP = 500

export class SmsWorld {
  keys = new Map<string, ApiKey>()
  apps = new Map<string, SmsApp>()
  messages: SmsMessage[] = []
  /** where delivery reports are POSTed (the console's 状态回调 URL); null = none */
  callbackUrl: string | null = null
  reports: ReportAttempt[] = []
  faults: SmsFault[] = []
  private serial = 0

  nextSerialNo(nowMs: number): string {
    this.serial++
    return `2433:${Math.floor(nowMs / 1000)}${String(this.serial).padStart(10, '0')}`
  }

  record(m: SmsMessage): void {
    this.messages.push(m)
    if (this.messages.length > MESSAGE_CAP) this.messages.splice(0, this.messages.length - MESSAGE_CAP)
  }

  /** The fault for this call, if any, used up by one. */
  takeFault(): SmsFault | undefined {
    const f = this.faults.find((x) => x.remaining === null || x.remaining > 0)
    if (f && f.remaining !== null) f.remaining--
    return f
  }

  logReport(a: ReportAttempt): void {
    this.reports.push(a)
    if (this.reports.length > REPORT_LOG_CAP) this.reports.shift()
  }
}
