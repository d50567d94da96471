// SendSms in the emulator: signature checks, per-number codes, template checks, default frequency limits, inbox, reports.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import request from 'supertest'
import { describe, expect, it } from 'vitest'
import { DEMO_SMS } from './index'
import { feeFor, normalizePhone } from './send-sms'
import { setupSms } from './testing'

const PHONE = '+8613800138000'

describe('SendSms: the request as a whole', () => {
  it('sends to every valid number and answers one status per number, Ok with SerialNo and Fee', async () => {
    const t = setupSms()
    const r = await t.sendCode([PHONE, '13900139000', '12345'], ['123456', '5'], { SessionContext: 'bind:42' })
    expect(r.RequestId).toMatch(/^[0-9a-f-]{36}$/)
    expect(r.SendStatusSet).toHaveLength(3)
    expect(r.SendStatusSet[0]).toMatchObject({ PhoneNumber: PHONE, Code: 'Ok', Message: 'send success', Fee: 1, IsoCode: 'CN' })
    expect(r.SendStatusSet[0].SessionContext).toBe('bind:42')
    expect(r.SendStatusSet[0].SerialNo).toMatch(/^\d+:\d+$/)
    expect(r.SendStatusSet[1]).toMatchObject({ PhoneNumber: '+8613900139000', Code: 'Ok' })
    expect(r.SendStatusSet[2]).toMatchObject({
      PhoneNumber: '12345',
      Code: 'InvalidParameterValue.IncorrectPhoneNumber',
      SerialNo: '',
      Fee: 0,
    })
  })

  it('refuses a wrong secret, a stale timestamp, a wrong version, action or region, and an unknown SmsSdkAppId', async () => {
    const t = setupSms()
    expect((await t.call({}, { secretKey: 'wrong' })).Error.Code).toBe('AuthFailure.SignatureFailure')
    expect((await t.call({}, { timestamp: Math.floor(t.clock.now() / 1000) - 301 })).Error.Code).toBe('AuthFailure.SignatureExpire')
    expect((await t.call({}, { version: '2019-07-11' })).Error.Code).toBe('NoSuchVersion')
    expect((await t.call({}, { action: 'PullSmsSendStatus' })).Error.Code).toBe('InvalidAction')
    expect((await t.call({}, { region: null })).Error.Code).toBe('MissingParameter')
    expect((await t.call({}, { region: 'ap-tokyo' })).Error.Code).toBe('UnsupportedRegion')
    expect((await t.sendCode([PHONE], undefined, { SmsSdkAppId: '1400999999' })).Error.Code).toBe(
      'UnauthorizedOperation.SmsSdkAppIdVerifyFail',
    )
    expect((await t.sendCode([], undefined)).Error.Code).toBe('MissingParameter')
    expect((await t.sendCode(Array.from({ length: 201 }, () => PHONE))).Error.Code).toBe('LimitExceeded.PhoneNumberCountLimit')
    expect(await t.inbox(PHONE)).toEqual([])
  })

  it('answers an unsigned request without looking at it', async () => {
    const t = setupSms()
    const r = await request(t.app).post('/sandbox/sms/').set('X-TC-Action', 'SendSms').send({})
    expect(r.status).toBe(200)
    expect(r.body.Response.Error.Code).toBe('AuthFailure.SignatureFailure')
  })
})

describe('SendSms: signature, template and parameters', () => {
  it('checks the signature text and the template review status', async () => {
    const t = setupSms()
    expect((await t.sendCode([PHONE], undefined, { SignName: '别的诊所' })).SendStatusSet[0].Code).toBe(
      'FailedOperation.SignatureIncorrectOrUnapproved',
    )
    expect((await t.sendCode([PHONE], undefined, { SignName: '示例诊所测试' })).SendStatusSet[0].Code).toBe(
      'FailedOperation.SignatureIncorrectOrUnapproved',
    )
    expect((await t.sendCode([PHONE], undefined, { SignName: undefined })).SendStatusSet[0].Code).toBe(
      'FailedOperation.SignatureIncorrectOrUnapproved',
    )
    expect((await t.sendCode([PHONE], ['1'], { TemplateId: DEMO_SMS.pendingTemplateId })).SendStatusSet[0].Code).toBe(
      'FailedOperation.TemplateIncorrectOrUnapproved',
    )
    expect((await t.sendCode([PHONE], undefined, { TemplateId: '999' })).SendStatusSet[0].Code).toBe(
      'FailedOperation.TemplateIncorrectOrUnapproved',
    )
  })

  it('requires as many parameters as the template has variables', async () => {
    const t = setupSms()
    expect((await t.sendCode([PHONE], ['123456'])).SendStatusSet[0].Code).toBe('FailedOperation.TemplateParamSetNotMatchApprovedTemplate')
    expect((await t.sendCode([PHONE], ['123456', '5', 'x'])).SendStatusSet[0].Code).toBe(
      'FailedOperation.TemplateParamSetNotMatchApprovedTemplate',
    )
    expect((await t.sendCode([PHONE], [])).SendStatusSet[0].Code).toBe('FailedOperation.TemplateParamSetNotMatchApprovedTemplate')
    expect((await t.sendCode([PHONE], ['123456', '5'])).SendStatusSet[0].Code).toBe('Ok')
  })

  it('takes only 0–6 digits as a verification code and no links in parameters', async () => {
    const t = setupSms()
    expect((await t.sendCode([PHONE], ['1234567', '5'])).SendStatusSet[0].Code).toBe('InvalidParameterValue.TemplateParameterFormatError')
    expect((await t.sendCode([PHONE], ['12a456', '5'])).SendStatusSet[0].Code).toBe('InvalidParameterValue.TemplateParameterFormatError')
    const notice = { TemplateId: DEMO_SMS.noticeTemplateId }
    expect((await t.sendCode([PHONE], ['https://x.cn', '今天'], notice)).SendStatusSet[0].Code).toBe(
      'InvalidParameterValue.ProhibitedUseUrlInTemplateParameter',
    )
    expect((await t.sendCode([PHONE], ['张医生', '今天'], notice)).SendStatusSet[0].Code).toBe('Ok')
  })

  it('accepts templates added through the control API', async () => {
    const t = setupSms()
    const add = await request(t.app)
      .post(`/sandbox/control/sms/apps/${DEMO_SMS.smsSdkAppId}/templates`)
      .send({ id: '2000009', content: '您的验证码{1}，请勿告诉他人。', kind: 'code' })
    expect(add.status).toBe(200)
    expect((await t.sendCode([PHONE], ['888888'], { TemplateId: '2000009' })).SendStatusSet[0].Code).toBe('Ok')
    expect((await t.inbox(PHONE))[0].text).toBe('【示例诊所】您的验证码888888，请勿告诉他人。')
  })
})

describe('SendSms: default frequency limits (sandbox clock)', () => {
  it('sends the same content to a number at most once per 30 s; other content goes through', async () => {
    const t = setupSms()
    expect((await t.sendCode([PHONE])).SendStatusSet[0].Code).toBe('Ok')
    t.clock.advance(29_000)
    expect((await t.sendCode([PHONE])).SendStatusSet[0].Code).toBe('LimitExceeded.PhoneNumberThirtySecondLimit')
    expect((await t.sendCode([PHONE], ['654321', '5'])).SendStatusSet[0].Code).toBe('Ok')
    expect((await t.sendCode(['13900139000'])).SendStatusSet[0].Code).toBe('Ok')
    t.clock.advance(1_000)
    expect((await t.sendCode([PHONE])).SendStatusSet[0].Code).toBe('Ok')
    expect(await t.inbox(PHONE)).toHaveLength(3)
  })

  it('sends at most 10 messages a day to a number, and again after midnight Beijing time', async () => {
    const t = setupSms()
    t.clock.set(Date.UTC(2026, 10, 21, 2, 0, 0)) // 10:00 in Beijing
    for (let i = 0; i < 10; i++) {
      expect((await t.sendCode([PHONE], [String(100000 + i), '5'])).SendStatusSet[0].Code).toBe('Ok')
      t.clock.advance(60_000)
    }
    expect((await t.sendCode([PHONE], ['999999', '5'])).SendStatusSet[0].Code).toBe('LimitExceeded.PhoneNumberDailyLimit')
    expect((await t.sendCode(['13900139000'], ['999999', '5'])).SendStatusSet[0].Code).toBe('Ok')
    t.clock.set(Date.UTC(2026, 10, 21, 15, 59, 0)) // 23:59 in Beijing
    expect((await t.sendCode([PHONE], ['999999', '5'])).SendStatusSet[0].Code).toBe('LimitExceeded.PhoneNumberDailyLimit')
    t.clock.set(Date.UTC(2026, 10, 21, 16, 0, 0)) // 00:00 the next day
    expect((await t.sendCode([PHONE], ['999999', '5'])).SendStatusSet[0].Code).toBe('Ok')
  })

  it('does not count refused sends', async () => {
    const t = setupSms()
    expect((await t.sendCode([PHONE], ['1'])).SendStatusSet[0].Code).toBe('FailedOperation.TemplateParamSetNotMatchApprovedTemplate')
    expect((await t.sendCode([PHONE])).SendStatusSet[0].Code).toBe('Ok')
  })
})

describe('inbox and delivery reports', () => {
  it('shows what a number received, newest first, whatever way the number is written', async () => {
    const t = setupSms()
    await t.sendCode(['008613800138000'], ['246810', '5'])
    t.clock.advance(1000)
    await t.sendCode([PHONE], ['135790', '5'])
    const inbox = await t.inbox('13800138000')
    expect(inbox.map((m) => m.text)).toEqual([
      '【示例诊所】135790为您的绑定验证码，请于5分钟内填写。如非本人操作，请忽略本短信。',
      '【示例诊所】246810为您的绑定验证码，请于5分钟内填写。如非本人操作，请忽略本短信。',
    ])
    expect(inbox[0]).toMatchObject({ phone: PHONE, template_id: DEMO_SMS.codeTemplateId, params: ['135790', '5'], sent_at: t.clock.now() })
    expect(await t.inbox('13900139000')).toEqual([])
  })

  it('posts a JSON array of reports to the configured URL, sid = SerialNo', async () => {
    const t = setupSms()
    const received: unknown[] = []
    const server = createServer((req, res) => {
      let body = ''
      req.on('data', (c: Buffer) => (body += c.toString()))
      req.on('end', () => {
        received.push(JSON.parse(body))
        res.setHeader('content-type', 'application/json')
        res.end('{"result":0,"errmsg":"OK"}')
      })
    })
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok))
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sms/reports`
      expect((await request(t.app).put('/sandbox/control/sms/callback').send({ url })).status).toBe(200)
      t.clock.set(Date.UTC(2026, 10, 21, 1, 2, 3))
      const r = await t.sendCode([PHONE, '13900139000'])
      await t.sms.idle()
      expect(received).toEqual([
        [
          {
            user_receive_time: '2026-11-21 09:02:03',
            nationcode: '86',
            mobile: '13800138000',
            report_status: 'SUCCESS',
            errmsg: 'DELIVRD',
            description: '用户短信送达成功',
            sid: r.SendStatusSet[0].SerialNo,
          },
          expect.objectContaining({ mobile: '13900139000', sid: r.SendStatusSet[1].SerialNo }),
        ],
      ])
      const log = await request(t.app).get('/sandbox/control/sms/reports')
      expect(log.body.reports).toEqual([{ url, serialNos: [r.SendStatusSet[0].SerialNo, r.SendStatusSet[1].SerialNo], status: 200 }])
    } finally {
      await new Promise((ok) => server.close(ok))
    }
  })
})

describe('faults', () => {
  it('answers the injected code for as many calls as asked, then sends again; refuses malformed rules', async () => {
    const t = setupSms()
    const put = (faults: unknown) => request(t.app).put('/sandbox/control/sms/faults').send({ faults })
    expect((await put([{ error_code: 'RequestLimitExceeded', times: 2 }])).status).toBe(200)
    expect((await t.sendCode([PHONE])).Error.Code).toBe('RequestLimitExceeded')
    expect((await t.call({}, { secretKey: 'wrong' })).Error.Code).toBe('AuthFailure.SignatureFailure')
    expect((await t.sendCode([PHONE])).Error.Code).toBe('RequestLimitExceeded')
    expect((await t.sendCode([PHONE])).SendStatusSet[0]!.Code).toBe('Ok')
    expect((await put([{ times: 1 }])).status).toBe(400)
    expect((await put([{ error_code: 'X', times: 0 }])).status).toBe(400)
    expect((await put('x')).status).toBe(400)
  })
})

describe('helpers', () => {
  it('normalizes domestic numbers and bills 70 characters per message, 67 per part when split', () => {
    expect(['+8613800138000', '008613800138000', '8613800138000', '13800138000'].map(normalizePhone)).toEqual(Array(4).fill(PHONE))
    expect(normalizePhone('+1415555267')).toBeNull()
    expect(normalizePhone('12800138000')).toBeNull()
    expect(feeFor('字'.repeat(70))).toBe(1)
    expect(feeFor('字'.repeat(71))).toBe(2)
    expect(feeFor('字'.repeat(135))).toBe(3)
  })
})
