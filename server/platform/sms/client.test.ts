// SmsClient through the official SDK against the sandbox on a real port: signatures, per-number codes, limits, errors.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import express from 'express'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { ManualClock } from '../../lib/clock'
import { createSandbox, type Sandbox } from '../../sandbox'
import { DEMO_SMS } from '../../sandbox/sms'
import { PlatformError, PlatformTransportError, SmsError } from '../errors'
import { SmsClient, type SmsCredentials, sdkEndpoint } from './client'

const CREDS: SmsCredentials = {
  secretId: DEMO_SMS.secretId,
  secretKey: DEMO_SMS.secretKey,
  smsSdkAppId: DEMO_SMS.smsSdkAppId,
  signName: DEMO_SMS.signName,
  region: 'ap-guangzhou',
}
const PHONE = '+8613800138000'

let server: Server
let port: number
let clock: ManualClock
let sandbox: Sandbox

function listen(app: express.Express | ((req: unknown, res: unknown) => void)): Promise<Server> {
  return new Promise((ok) => {
    const s = createServer(app as express.Express).listen(0, '127.0.0.1', () => ok(s))
  })
}
const portOf = (s: Server) => (s.address() as AddressInfo).port
const close = (s: Server) => new Promise((ok) => s.close(ok))

beforeAll(async () => {
  const app = express()
  app.use('/sandbox', (req, res, next) => sandbox.router(req, res, next))
  server = await listen(app)
  port = portOf(server)
})
afterAll(async () => {
  await sandbox?.close()
  await close(server)
})
beforeEach(async () => {
  await sandbox?.close()
  // The SDK stamps requests with the real time; the emulator allows 5 minutes of skew around its own clock.
  clock = new ManualClock(Date.now())
  sandbox = createSandbox({ clock, publicBaseUrl: `http://127.0.0.1:${port}`, seed: 'none' })
})

const client = (over: Partial<SmsCredentials> = {}, baseUrl = `http://127.0.0.1:${port}/sandbox/sms`) =>
  new SmsClient({ ...CREDS, ...over }, { baseUrl })

async function inbox(phone: string): Promise<{ text: string; params: string[]; serial_no: string }[]> {
  const r = await fetch(`http://127.0.0.1:${port}/sandbox/control/sms/inbox?phone=${encodeURIComponent(phone)}`)
  return ((await r.json()) as { messages: { text: string; params: string[]; serial_no: string }[] }).messages
}

async function refusal(p: Promise<unknown>): Promise<SmsError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(SmsError)
  return err as SmsError
}

describe('SmsClient against the sandbox', () => {
  it("sends a code: the SDK's real signed request verifies, and the phone's inbox shows the code", async () => {
    const sent = await client().sendCode('13800138000', DEMO_SMS.codeTemplateId, ['482913', '5'], 'bind:7')
    expect(sent).toMatchObject({ phone: PHONE, fee: 1 })
    expect(sent.serialNo).toMatch(/^\d+:\d+$/)
    expect(sent.requestId).toMatch(/^[0-9a-f-]{36}$/)
    const got = await inbox('13800138000')
    expect(got).toHaveLength(1)
    expect(got[0]).toMatchObject({ serial_no: sent.serialNo, params: ['482913', '5'] })
    expect(got[0]!.text).toBe('【示例诊所】482913为您的绑定验证码，请于5分钟内填写。如非本人操作，请忽略本短信。')
  })

  it('also verifies when the SDK derives the service from a host without dots (localhost)', async () => {
    const sent = await client({}, `http://localhost:${port}/sandbox/sms/`).sendCode(PHONE, DEMO_SMS.codeTemplateId, ['111111', '5'])
    expect(sent.serialNo).not.toBe('')
  })

  it('a wrong secret key is AuthFailure.SignatureFailure, for the admin to fix', async () => {
    const err = await refusal(client({ secretKey: 'not-the-key' }).sendCode(PHONE, DEMO_SMS.codeTemplateId, ['123456', '5']))
    expect(err).toBeInstanceOf(PlatformError)
    expect(err).toMatchObject({
      platform: 'sms',
      endpoint: 'SendSms',
      code: 'AuthFailure.SignatureFailure',
      kind: 'config',
      phone: undefined,
    })
    expect(err.hint).toBe('短信 SecretKey 不正确，请联系管理员检查短信配置')
    expect(err.message).toBe('SendSms: AuthFailure.SignatureFailure 短信 SecretKey 不正确，请联系管理员检查短信配置')
    expect(err.requestId).toMatch(/^[0-9a-f-]{36}$/)
    expect(await inbox(PHONE)).toEqual([])
  })

  it('an unknown SecretId and a foreign SmsSdkAppId are refused as a whole', async () => {
    expect((await refusal(client({ secretId: 'AKIDnobody' }).sendCode(PHONE, DEMO_SMS.codeTemplateId, ['1', '5']))).code).toBe(
      'AuthFailure.SecretIdNotFound',
    )
    const err = await refusal(client({ smsSdkAppId: '1400999999' }).sendCode(PHONE, DEMO_SMS.codeTemplateId, ['1', '5']))
    expect(err).toMatchObject({ code: 'UnauthorizedOperation.SmsSdkAppIdVerifyFail', kind: 'config' })
  })

  it('the same code again within 30 s is refused with a hint the employee can act on, and goes through after', async () => {
    const c = client()
    await c.sendCode(PHONE, DEMO_SMS.codeTemplateId, ['123456', '5'])
    clock.advance(10_000)
    const err = await refusal(c.sendCode(PHONE, DEMO_SMS.codeTemplateId, ['123456', '5']))
    expect(err).toMatchObject({ code: 'LimitExceeded.PhoneNumberThirtySecondLimit', kind: 'rate_limited', retryAfterSec: 30, phone: PHONE })
    expect(err.hint).toBe('发送过于频繁，请 30 秒后再试')
    clock.advance(20_000)
    await expect(c.sendCode(PHONE, DEMO_SMS.codeTemplateId, ['123456', '5'])).resolves.toMatchObject({ phone: PHONE })
  })

  it('the 11th message of the day to a number is refused until tomorrow', async () => {
    const c = client()
    for (let i = 0; i < 10; i++) await c.sendCode(PHONE, DEMO_SMS.codeTemplateId, [String(200000 + i), '5'])
    const err = await refusal(c.sendCode(PHONE, DEMO_SMS.codeTemplateId, ['999999', '5']))
    expect(err).toMatchObject({ code: 'LimitExceeded.PhoneNumberDailyLimit', kind: 'rate_limited', retryAfterSec: null })
    expect(err.hint).toBe('该手机号今天收到的短信已达上限，请明天再试')
    expect(await inbox(PHONE)).toHaveLength(10)
  })

  it('a parameter count that does not match the template, and a bad number, are per-number refusals', async () => {
    const c = client()
    const wrong = await refusal(c.sendCode(PHONE, DEMO_SMS.codeTemplateId, ['123456']))
    expect(wrong).toMatchObject({ code: 'FailedOperation.TemplateParamSetNotMatchApprovedTemplate', kind: 'config' })
    const phone = await refusal(c.sendCode('1380013800', DEMO_SMS.codeTemplateId, ['123456', '5']))
    expect(phone).toMatchObject({ code: 'InvalidParameterValue.IncorrectPhoneNumber', kind: 'invalid_phone', phone: '1380013800' })
    expect(phone.hint).toBe('手机号格式不正确，请检查后重新输入')
    const sign = await refusal(client({ signName: '别的诊所' }).sendCode(PHONE, DEMO_SMS.codeTemplateId, ['123456', '5']))
    expect(sign.code).toBe('FailedOperation.SignatureIncorrectOrUnapproved')
  })

  it('send() reports each number of a batch without throwing for one of them', async () => {
    const r = await client().send([PHONE, '123'], DEMO_SMS.noticeTemplateId, ['企业微信', '今天'])
    expect(r.statuses.map((s) => s.code)).toEqual(['Ok', 'InvalidParameterValue.IncorrectPhoneNumber'])
  })
})

describe('SmsClient and injected faults', () => {
  const setFaults = (faults: unknown[]) =>
    fetch(`http://127.0.0.1:${port}/sandbox/control/sms/faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ faults }),
    })

  it("a platform-side error is an SmsError of kind 'platform', and the next call goes through", async () => {
    expect((await setFaults([{ error_code: 'InternalError.Timeout', times: 1 }])).status).toBe(200)
    const err = await refusal(client().sendCode(PHONE, DEMO_SMS.codeTemplateId, ['123456', '5']))
    expect(err).toMatchObject({ code: 'InternalError.Timeout', kind: 'platform' })
    await expect(client().sendCode(PHONE, DEMO_SMS.codeTemplateId, ['123456', '5'])).resolves.toMatchObject({ phone: PHONE })
  })

  it('a sandbox that never answers is a transport error after the client timeout', async () => {
    await setFaults([{ hang: true, times: 1 }])
    const c = new SmsClient(CREDS, { baseUrl: `http://127.0.0.1:${port}/sandbox/sms`, timeoutSec: 0.3 })
    const err = await c.sendCode(PHONE, DEMO_SMS.codeTemplateId, ['123456', '5']).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(PlatformTransportError)
    expect(await inbox(PHONE)).toEqual([])
  })
})

describe('SmsClient transport', () => {
  it('no listener is a PlatformTransportError', async () => {
    const s = await listen(() => undefined)
    const dead = portOf(s)
    await close(s)
    const err = await client({}, `http://127.0.0.1:${dead}/sandbox/sms`)
      .sendCode(PHONE, '1', ['1'])
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(PlatformTransportError)
    expect(err).toMatchObject({ platform: 'sms', endpoint: 'SendSms' })
  })

  it('gives up after the configured timeout instead of the SDK default of 60 s', async () => {
    const s = await listen(() => undefined) // accepts, never answers
    try {
      const started = Date.now()
      const c = new SmsClient(CREDS, { baseUrl: `http://127.0.0.1:${portOf(s)}`, timeoutSec: 0.3 })
      const err = await c.sendCode(PHONE, '1', ['1']).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(PlatformTransportError)
      expect(Date.now() - started).toBeLessThan(3000)
    } finally {
      s.closeAllConnections()
      await close(s)
    }
  })

  it('an HTTP error status is a PlatformTransportError with the status', async () => {
    const s = await listen((_req: unknown, res: unknown) => {
      const r = res as { statusCode: number; end(b: string): void }
      r.statusCode = 502
      r.end('bad gateway')
    })
    try {
      const err = await new SmsClient(CREDS, { baseUrl: `http://127.0.0.1:${portOf(s)}` })
        .sendCode(PHONE, '1', ['1'])
        .catch((e: unknown) => e)
      expect(err).toBeInstanceOf(PlatformTransportError)
      expect(err).toMatchObject({ status: 502 })
    } finally {
      await close(s)
    }
  })
})

describe('sdkEndpoint', () => {
  it('splits a base URL into the SDK endpoint and protocol', () => {
    expect(sdkEndpoint('https://sms.tencentcloudapi.com')).toEqual({ endpoint: 'sms.tencentcloudapi.com', protocol: 'https://' })
    expect(sdkEndpoint('http://127.0.0.1:3000/sandbox/sms/')).toEqual({ endpoint: '127.0.0.1:3000/sandbox/sms', protocol: 'http://' })
    expect(() => sdkEndpoint('sms.tencentcloudapi.com')).toThrow(/base URL/)
  })
})
