// OA errcodes carry their own Chinese hints and caller/platform classification, distinct from WeCom's.
import { describe, expect, it } from 'vitest'
import { isCallerError, PlatformError, platformHint } from '../errors'

describe('OA error hints', () => {
  it.each([40001, 40003, 40013, 40029, 40037, 40125, 40163, 40164, 43004, 43116, 43117, 45009, 47003, 40241, 40249])(
    'has a Chinese hint for %i',
    (code) => {
      const hint = platformHint('oa', code)
      expect(hint).not.toMatch(/错误码/)
      expect(hint).toMatch(/[\u4e00-\u9fff]/)
    },
  )

  it('means the OA thing by 40001, not the WeCom one', () => {
    expect(platformHint('oa', 40001)).toContain('access_token')
    expect(platformHint('oa', 40029)).not.toBe(platformHint('wecom', 40029))
  })

  it('falls back to the code for an unknown errcode', () => {
    expect(platformHint('oa', 99999)).toBe('公众号返回错误码 99999')
  })

  it('treats a non-follower and a broken template value as the caller’s, a busy platform not', () => {
    const e = (code: number) => new PlatformError('oa', '/cgi-bin/message/template/send', code, '')
    expect(isCallerError(e(43004))).toBe(true)
    expect(isCallerError(e(47003))).toBe(true)
    expect(isCallerError(e(-1))).toBe(false)
    expect(isCallerError(e(45009))).toBe(false)
  })
})
