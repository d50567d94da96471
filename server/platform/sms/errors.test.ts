// SMS refusals as PlatformError: the hint and the kind chosen by the platform's string code.
import { describe, expect, it } from 'vitest'
import { PlatformError, SmsError, smsErrorKind, smsHint } from '../errors'

describe('SmsError', () => {
  it('is a PlatformError of platform sms carrying the string code, its hint and what it asks for', () => {
    const e = new SmsError('SendSms', 'LimitExceeded.PhoneNumberThirtySecondLimit', 'too often', 'req-1', '+8613800138000')
    expect(e).toBeInstanceOf(PlatformError)
    expect(e).toMatchObject({
      platform: 'sms',
      errcode: -1,
      errmsg: 'too often',
      requestId: 'req-1',
      kind: 'rate_limited',
      retryAfterSec: 30,
    })
    expect(e.hint).toBe('发送过于频繁，请 30 秒后再试')
    expect(e.message).toBe('SendSms: LimitExceeded.PhoneNumberThirtySecondLimit 发送过于频繁，请 30 秒后再试')
  })

  it('sorts codes into wait, fix the number, fix the configuration, or the platform', () => {
    expect(smsErrorKind('LimitExceeded.PhoneNumberDailyLimit')).toBe('rate_limited')
    expect(smsErrorKind('FailedOperation.PhoneNumberInBlacklist')).toBe('invalid_phone')
    expect(smsErrorKind('AuthFailure.SignatureExpire')).toBe('config')
    expect(smsErrorKind('UnauthorizedOperation.ServiceSuspendDueToArrears')).toBe('config')
    expect(smsErrorKind('FailedOperation.TemplateIncorrectOrUnapproved')).toBe('config')
    expect(smsErrorKind('InternalError.Timeout')).toBe('platform')
  })

  it('names an unknown code in its hint', () => {
    expect(smsHint('FailedOperation.Something')).toBe('短信平台返回错误 FailedOperation.Something，请稍后重试或联系管理员')
  })
})
