// Test harness for the SMS emulator: an express app with it mounted, a manual clock, and a TC3-signing SendSms caller.
import express from 'express'
import request from 'supertest'
import { ManualClock } from '../../lib/clock'
import { createSmsEmulator, DEMO_SMS } from './index'
import type { SendStatus } from './send-sms'
import { tc3AuthorizationHeader, tc3Sign } from './tc3'

export const SMS_HOST = 'sms.tencentcloudapi.com'

/** Response of a call; a test reads whichever half the case is about (a missing one fails the assertion). */
export interface ApiAnswer {
  RequestId: string
  Error: { Code: string; Message: string }
  SendStatusSet: SendStatus[]
}

export interface InboxEntry {
  serial_no: string
  phone: string
  sms_sdk_app_id: string
  sign_name: string
  template_id: string
  params: string[]
  text: string
  sent_at: number
}

export function setupSms() {
  const clock = new ManualClock()
  const sms = createSmsEmulator({ clock, reportTimeoutMs: 1000 })
  const app = express()
  app.use('/sandbox/sms', sms.api)
  app.use('/sandbox/control/sms', sms.control)

  /** One signed API call, as the SDK makes it: POST /, JSON body, TC3 over content-type and host. */
  async function call(
    body: Record<string, unknown>,
    over: { secretKey?: string; action?: string; version?: string; region?: string | null; timestamp?: number } = {},
  ) {
    const payload = JSON.stringify(body)
    const timestamp = over.timestamp ?? Math.floor(clock.now() / 1000)
    const parts = tc3Sign({
      secretKey: over.secretKey ?? DEMO_SMS.secretKey,
      service: 'sms',
      timestamp,
      method: 'POST',
      path: '/sandbox/sms/',
      query: '',
      headers: [
        ['content-type', 'application/json'],
        ['host', SMS_HOST],
      ],
      payload,
    })
    const req = request(app)
      .post('/sandbox/sms/')
      .set('Host', SMS_HOST)
      .set('Content-Type', 'application/json')
      .set('X-TC-Action', over.action ?? 'SendSms')
      .set('X-TC-Version', over.version ?? '2021-01-11')
      .set('X-TC-Timestamp', String(timestamp))
      .set('Authorization', tc3AuthorizationHeader(DEMO_SMS.secretId, parts, ['content-type', 'host']))
    if (over.region !== null) req.set('X-TC-Region', over.region ?? 'ap-guangzhou')
    const r = await req.send(payload)
    return (r.body as { Response: ApiAnswer }).Response
  }

  /** SendSms of the demo code template to the given numbers. */
  const sendCode = (phones: string[], params: string[] = ['123456', '5'], extra: Record<string, unknown> = {}) =>
    call({
      PhoneNumberSet: phones,
      SmsSdkAppId: DEMO_SMS.smsSdkAppId,
      SignName: DEMO_SMS.signName,
      TemplateId: DEMO_SMS.codeTemplateId,
      TemplateParamSet: params,
      ...extra,
    })

  const inbox = async (phone: string) =>
    (await request(app).get('/sandbox/control/sms/inbox').query({ phone })).body.messages as InboxEntry[]

  return { sms, app, clock, call, sendCode, inbox }
}
