// Tencent Cloud SMS client on the official SDK: SendSms with the org's keys, against Tencent or the sandbox, errors as SmsError.
import type { Agent } from 'node:http'
import { sms } from 'tencentcloud-sdk-nodejs-sms'
import { PlatformTransportError, SmsError } from '../errors'

export const SMS_DEFAULT_BASE_URL = 'https://sms.tencentcloudapi.com'
/** The SDK waits 60 s by default; an employee waiting for a code should hear back sooner. */
export const SMS_DEFAULT_TIMEOUT_SEC = 10
const ENDPOINT = 'SendSms'

export interface SmsCredentials {
  secretId: string
  secretKey: string
  /** the SMS app (应用) the templates and signature belong to, e.g. '1400000001' */
  smsSdkAppId: string
  /** the approved signature *text* shown as 【…】, not its id */
  signName: string
  /** 'ap-guangzhou', 'ap-beijing' or 'ap-nanjing' */
  region: string
}

export interface SmsClientOptions {
  /** e.g. https://sms.tencentcloudapi.com (default), or http://127.0.0.1:3000/sandbox/sms for the emulator */
  baseUrl?: string
  timeoutSec?: number
  /** keep-alive agent to share; the SDK otherwise also honours the http_proxy environment variable */
  agent?: Agent
}

export interface SmsSent {
  /** E.164 as the platform normalised it, +86… */
  phone: string
  /** matches `sid` in delivery reports */
  serialNo: string
  fee: number
  requestId: string
}

/** One number's outcome within a SendSms call. */
export interface SmsStatus {
  phone: string
  code: string
  message: string
  serialNo: string
  fee: number
}

/** 'http://127.0.0.1:3000/sandbox/sms/' → the SDK's endpoint '127.0.0.1:3000/sandbox/sms' and protocol 'http://'. */
export function sdkEndpoint(baseUrl: string): { endpoint: string; protocol: 'http://' | 'https://' } {
  const m = /^(https?:\/\/)([^/?#]+)(\/[^?#]*)?$/.exec(baseUrl.trim())
  if (!m) throw new Error(`SMS base URL must be http(s)://host[/path], got ${baseUrl}`)
  return { protocol: m[1] as 'http://' | 'https://', endpoint: `${m[2]}${(m[3] ?? '').replace(/\/+$/, '')}` }
}

type SdkClient = InstanceType<typeof sms.v20210111.Client>

interface SdkException {
  code?: string
  httpCode?: number
  requestId?: string
  message: string
}

export class SmsClient {
  private sdk: SdkClient

  constructor(
    private creds: SmsCredentials,
    opts: SmsClientOptions = {},
  ) {
    const { endpoint, protocol } = sdkEndpoint(opts.baseUrl ?? SMS_DEFAULT_BASE_URL)
    this.sdk = new sms.v20210111.Client({
      credential: { secretId: creds.secretId, secretKey: creds.secretKey },
      region: creds.region,
      profile: {
        httpProfile: {
          endpoint,
          protocol,
          reqTimeout: opts.timeoutSec ?? SMS_DEFAULT_TIMEOUT_SEC,
          ...(opts.agent ? { agent: opts.agent } : {}),
        },
      },
    })
  }

  /** SendSms to several numbers: one status per number; throws only when the request as a whole failed. */
  async send(
    phones: string[],
    templateId: string,
    params: string[],
    sessionContext?: string,
    /** Another approved signature of the same account than the configured one (a notice scene's own). */
    signName?: string,
  ): Promise<{ requestId: string; statuses: SmsStatus[] }> {
    let res: Awaited<ReturnType<SdkClient['SendSms']>>
    try {
      res = await this.sdk.SendSms({
        PhoneNumberSet: phones,
        SmsSdkAppId: this.creds.smsSdkAppId,
        SignName: signName || this.creds.signName,
        TemplateId: templateId,
        TemplateParamSet: params,
        ...(sessionContext !== undefined ? { SessionContext: sessionContext } : {}),
      })
    } catch (err) {
      throw toPlatformError(err)
    }
    const requestId = res.RequestId ?? ''
    const statuses = (res.SendStatusSet ?? []).map((s) => ({
      phone: s.PhoneNumber ?? '',
      code: s.Code ?? '',
      message: s.Message ?? '',
      serialNo: s.SerialNo ?? '',
      fee: s.Fee ?? 0,
    }))
    return { requestId, statuses }
  }

  /** One verification code to one number; any refusal, whole-request or for the number, is thrown as SmsError. */
  async sendCode(phone: string, templateId: string, params: string[], sessionContext?: string): Promise<SmsSent> {
    const { requestId, statuses } = await this.send([phone], templateId, params, sessionContext)
    const s = statuses[0]
    if (!s) throw new SmsError(ENDPOINT, 'InternalError', 'SendStatusSet is empty', requestId, phone)
    if (s.code !== 'Ok') throw new SmsError(ENDPOINT, s.code, s.message, requestId, s.phone || phone)
    return { phone: s.phone, serialNo: s.serialNo, fee: s.fee, requestId }
  }
}

/** The SDK throws one exception type: with `code` the platform answered Response.Error, without it the call never got an answer. */
function toPlatformError(err: unknown): Error {
  const e = err as SdkException
  if (typeof e?.code === 'string' && e.code) return new SmsError(ENDPOINT, e.code, e.message, e.requestId ?? '')
  return new PlatformTransportError('sms', ENDPOINT, e?.message ?? String(err), e?.httpCode)
}
