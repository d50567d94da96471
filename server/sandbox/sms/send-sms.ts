// SendSms (API 2021-01-11): whole-request checks, then a per-number verdict (number, signature, template, params, frequency).
import type { ApiKey, SmsApp, SmsMessage, SmsTemplate, SmsWorld } from './state'

/** A whole-request refusal: answered as Response.Error {Code, Message}. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

export interface SendStatus {
  SerialNo: string
  PhoneNumber: string
  Fee: number
  SessionContext: string
  Code: string
  Message: string
  IsoCode: string
}

export const MAX_NUMBERS = 200
/** Default frequency rules (console 频率限制): same content to one number once per 30 s, 10 messages per number per day. */
export const SAME_CONTENT_WINDOW_MS = 30_000
export const DAILY_LIMIT = 10
const BEIJING_OFFSET_MS = 8 * 3600_000
const DAY_MS = 86_400_000

const MESSAGES: Record<string, string> = {
  Ok: 'send success',
  'InvalidParameterValue.IncorrectPhoneNumber': 'incorrect phone number',
  'FailedOperation.SignatureIncorrectOrUnapproved': 'signature is incorrect or unapproved',
  'FailedOperation.TemplateIncorrectOrUnapproved': 'template is incorrect or unapproved',
  'FailedOperation.TemplateParamSetNotMatchApprovedTemplate': 'the number of TemplateParamSet does not match the approved template',
  'InvalidParameterValue.TemplateParameterFormatError': 'verification code template parameter must be 0-6 digits',
  'InvalidParameterValue.ProhibitedUseUrlInTemplateParameter': 'urls are not allowed in template parameters',
  'LimitExceeded.PhoneNumberThirtySecondLimit': 'the same content to the same number at most once in 30 seconds',
  'LimitExceeded.PhoneNumberDailyLimit': 'the daily limit of messages to this number is reached',
}

/** Domestic numbers may be written +86…, 0086…, 86… or bare; the emulator speaks only domestic SMS. */
export function normalizePhone(raw: string): string | null {
  const digits = raw.trim().replace(/^(\+86|0086|86)(?=1\d{10}$)/, '')
  return /^1[3-9]\d{9}$/.test(digits) ? `+86${digits}` : null
}

/** The variable numbers a template uses ({1}, {2}…). */
export function templateVariables(content: string): number[] {
  return [...new Set([...content.matchAll(/\{(\d+)\}/g)].map((m) => Number(m[1])))].sort((a, b) => a - b)
}

export function renderTemplate(t: SmsTemplate, params: string[]): string {
  return t.content.replace(/\{(\d+)\}/g, (_m, n: string) => params[Number(n) - 1] ?? '')
}

/** Characters billed per message: 70 for one part, 67 per part once it is split. */
export function feeFor(text: string): number {
  const n = [...text].length
  return n <= 70 ? 1 : Math.ceil(n / 67)
}

const beijingDay = (ms: number) => Math.floor((ms + BEIJING_OFFSET_MS) / DAY_MS)

function stringList(v: unknown, name: string, required: boolean): string[] {
  if (v === undefined || v === null) {
    if (required) throw new ApiError('MissingParameter', `The request is missing a required parameter \`${name}\`.`)
    return []
  }
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
    throw new ApiError('InvalidParameter', `The value type of parameter \`${name}\` is not valid.`)
  }
  return v as string[]
}

function stringField(body: Record<string, unknown>, name: string, required: boolean): string {
  const v = body[name]
  if (v === undefined || v === null || v === '') {
    if (required) throw new ApiError('MissingParameter', `The request is missing a required parameter \`${name}\`.`)
    return ''
  }
  if (typeof v !== 'string') throw new ApiError('InvalidParameter', `The value type of parameter \`${name}\` is not valid.`)
  return v
}

/** The code shared by every number of the request (signature, template, params), or null when they are fine. */
function contentVerdict(app: SmsApp, signName: string, template: SmsTemplate | undefined, params: string[]): string | null {
  if (app.signs.get(signName) !== 'approved') return 'FailedOperation.SignatureIncorrectOrUnapproved'
  if (!template || template.status !== 'approved') return 'FailedOperation.TemplateIncorrectOrUnapproved'
  if (templateVariables(template.content).length !== params.length) return 'FailedOperation.TemplateParamSetNotMatchApprovedTemplate'
  if (template.kind === 'code' && !/^\d{0,6}$/.test(params[0] ?? '')) return 'InvalidParameterValue.TemplateParameterFormatError'
  if (params.some((p) => /https?:\/\/|www\./i.test(p))) return 'InvalidParameterValue.ProhibitedUseUrlInTemplateParameter'
  return null
}

function frequencyVerdict(world: SmsWorld, appId: string, phone: string, text: string, nowMs: number): string | null {
  let today = 0
  const day = beijingDay(nowMs)
  for (let i = world.messages.length - 1; i >= 0; i--) {
    const m = world.messages[i]!
    if (m.smsSdkAppId !== appId || m.phone !== phone) continue
    if (m.text === text && nowMs - m.sentAt < SAME_CONTENT_WINDOW_MS) return 'LimitExceeded.PhoneNumberThirtySecondLimit'
    if (beijingDay(m.sentAt) === day) today++
  }
  return today >= DAILY_LIMIT ? 'LimitExceeded.PhoneNumberDailyLimit' : null
}

export interface SendResult {
  statuses: SendStatus[]
  sent: SmsMessage[]
}

/** Runs a SendSms request of an authenticated key; the messages it sends are recorded in the world. */
export function sendSms(world: SmsWorld, key: ApiKey, body: Record<string, unknown>, nowMs: number): SendResult {
  const phones = stringList(body.PhoneNumberSet, 'PhoneNumberSet', true)
  const appId = stringField(body, 'SmsSdkAppId', true)
  const templateId = stringField(body, 'TemplateId', true)
  const signName = stringField(body, 'SignName', false)
  const params = stringList(body.TemplateParamSet, 'TemplateParamSet', false)
  const sessionContext = stringField(body, 'SessionContext', false)
  if (phones.length === 0) throw new ApiError('MissingParameter', 'The request is missing a required parameter `PhoneNumberSet`.')
  if (phones.length > MAX_NUMBERS) throw new ApiError('LimitExceeded.PhoneNumberCountLimit', `at most ${MAX_NUMBERS} numbers per request`)
  if (Buffer.byteLength(sessionContext) >= 512)
    throw new ApiError('InvalidParameterValue.SessionContextLengthLimit', 'SessionContext is too long')
  const app = world.apps.get(appId)
  if (!app || !key.appIds.has(appId)) {
    throw new ApiError(
      'UnauthorizedOperation.SmsSdkAppIdVerifyFail',
      'SmsSdkAppId verify failed: it does not exist or does not belong to this account',
    )
  }

  const template = app.templates.get(templateId)
  const shared = contentVerdict(app, signName, template, params)
  const text = template ? `【${signName}】${renderTemplate(template, params)}` : ''
  const statuses: SendStatus[] = []
  const sent: SmsMessage[] = []
  for (const raw of phones) {
    const phone = normalizePhone(raw)
    const code =
      phone === null ? 'InvalidParameterValue.IncorrectPhoneNumber' : (shared ?? frequencyVerdict(world, appId, phone, text, nowMs))
    const status: SendStatus = {
      SerialNo: '',
      PhoneNumber: phone ?? raw,
      Fee: 0,
      SessionContext: sessionContext,
      Code: code ?? 'Ok',
      Message: MESSAGES[code ?? 'Ok'] ?? code ?? '',
      IsoCode: phone === null ? '' : 'CN',
    }
    if (code === null && phone !== null) {
      const m: SmsMessage = {
        serialNo: world.nextSerialNo(nowMs),
        phone,
        smsSdkAppId: appId,
        signName,
        templateId,
        params,
        text,
        fee: feeFor(text),
        sessionContext,
        sentAt: nowMs,
      }
      world.record(m)
      sent.push(m)
      status.SerialNo = m.serialNo
      status.Fee = m.fee
    }
    statuses.push(status)
  }
  return { statuses, sent }
}
