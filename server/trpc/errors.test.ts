// The one error mapping: each domain error kind and platform failure to its tRPC code, and the queue's retry rule.
import { describe, expect, it } from 'vitest'
import {
  ConflictError,
  ForbiddenError,
  InvalidInputError,
  NotFoundError,
  PreconditionError,
  RateLimitedError,
  UnauthorizedError,
} from '../lib/errors'
import { PlatformError, PlatformTransportError, SmsError } from '../platform/errors'
import { isPermanent, PermanentJobError } from '../queue/queue'
import { toTrpcError } from './errors'
import { CallAbortedError } from '../platform/call-context'
import { PlatformRateLimitedError } from '../platform/call-core'

describe('toTrpcError', () => {
  it('maps every domain error kind and keeps its Chinese message', () => {
    const cases = [
      [new NotFoundError('客户 1 不存在'), 'NOT_FOUND'],
      [new ConflictError('用户名已被使用'), 'CONFLICT'],
      [new PreconditionError('请先配置'), 'PRECONDITION_FAILED'],
      [new InvalidInputError('输入无效'), 'BAD_REQUEST'],
      [new ForbiddenError('无权限'), 'FORBIDDEN'],
      [new UnauthorizedError('请先登录'), 'UNAUTHORIZED'],
      [new RateLimitedError('请稍后再试', 30), 'TOO_MANY_REQUESTS'],
    ] as const
    for (const [err, code] of cases) {
      const mapped = toTrpcError(err)
      expect(mapped.code).toBe(code)
      expect(mapped.message).toBe(err.message)
      expect(mapped.cause).toBe(err)
    }
  })

  it('maps platform failures: caller codes are bad requests, the rest are the gateway', () => {
    expect(toTrpcError(new PlatformError('wecom', 'tag/add', 84061, 'no relation')).code).toBe('BAD_REQUEST')
    const busy = toTrpcError(new PlatformError('wecom', 'gettoken', -1, 'busy'))
    expect(busy.code).toBe('BAD_GATEWAY')
    expect(busy.message).toContain('错误码 -1')
    expect(toTrpcError(new PlatformTransportError('wecom', 'gettoken', 'timeout')).message).toContain('无法连接企业微信')
  })

  it('maps a rate limit an admin hit to 429 with when to retry, and an abandoned call to 499', () => {
    const limited = toTrpcError(new PlatformRateLimitedError(new PlatformError('wecom', 'tag/add', 45009, 'freq'), 60_000))
    expect(limited.code).toBe('TOO_MANY_REQUESTS')
    expect(limited.message).toBe('企业微信接口调用过于频繁，请约 60 秒后再试（错误码 45009）')
    expect(toTrpcError(new CallAbortedError('tag/add')).code).toBe('CLIENT_CLOSED_REQUEST')
  })

  it('maps SMS refusals by kind, with the platform code in the message', () => {
    const limited = toTrpcError(new SmsError('SendSms', 'LimitExceeded.PhoneNumberThirtySecondLimit', 'limit', 'req-1', '13800000000'))
    expect(limited.code).toBe('TOO_MANY_REQUESTS')
    expect(limited.message).toContain('LimitExceeded.PhoneNumberThirtySecondLimit')
    expect(toTrpcError(new SmsError('SendSms', 'InvalidParameterValue.IncorrectPhoneNumber', 'bad', 'req-2', '1')).code).toBe('BAD_REQUEST')
    expect(isPermanent(new SmsError('SendSms', 'InvalidParameterValue.IncorrectPhoneNumber', 'bad', 'req-2', '1'))).toBe(true)
    expect(isPermanent(new SmsError('SendSms', 'LimitExceeded.PhoneNumberThirtySecondLimit', 'limit', 'req-1', '1'))).toBe(false)
  })

  it('leaves anything else internal', () => {
    expect(toTrpcError(new Error('boom')).code).toBe('INTERNAL_SERVER_ERROR')
  })
})

describe('isPermanent (queue)', () => {
  it('gives up on refusals that cannot change and retries the rest', () => {
    expect(isPermanent(new PermanentJobError('bad payload'))).toBe(true)
    expect(isPermanent(new NotFoundError('gone'))).toBe(true)
    expect(isPermanent(new InvalidInputError('bad'))).toBe(true)
    expect(isPermanent(new PreconditionError('no config yet'))).toBe(false)
    expect(isPermanent(new PlatformError('wecom', 'mark_tag', 84061, 'no relation'))).toBe(true)
    expect(isPermanent(new PlatformError('wecom', 'get', 45009, 'rate'))).toBe(false)
    expect(isPermanent(new Error('ECONNRESET'))).toBe(false)
  })
})
