// Transport helpers: credentials never reach a logged URL, and backoff stays inside its bounds.
import { describe, expect, it } from 'vitest'
import { backoffDelay, buildUrl, maskUrl } from './http'

describe('maskUrl', () => {
  it('hides credential query values and keeps everything else', () => {
    const url = buildUrl('https://qyapi.weixin.qq.com', '/cgi-bin/gettoken', { corpid: 'ww1', corpsecret: 's3cr3t' })
    expect(maskUrl(url)).toBe('https://qyapi.weixin.qq.com/cgi-bin/gettoken?corpid=ww1&corpsecret=***')
    expect(maskUrl('http://h/p?access_token=abc&external_userid=wm1&cursor=c')).toBe(
      'http://h/p?access_token=***&external_userid=wm1&cursor=c',
    )
    expect(maskUrl('http://h/p?ACCESS_TOKEN=abc')).toBe('http://h/p?ACCESS_TOKEN=***')
    expect(maskUrl('http://h/sns?appid=a&secret=x&code=c1#frag')).toBe('http://h/sns?appid=a&secret=***&code=***')
    expect(maskUrl('http://h/p')).toBe('http://h/p')
  })
})

describe('buildUrl', () => {
  it('encodes values and drops undefined ones', () => {
    expect(buildUrl('http://h', '/p', { a: 'x y', b: undefined, n: 3 })).toBe('http://h/p?a=x+y&n=3')
    expect(buildUrl('http://h', '/p')).toBe('http://h/p')
  })
})

describe('backoffDelay', () => {
  const policy = { maxRetries: 3, baseDelayMs: 200, maxDelayMs: 5000 }
  it('is full jitter under an exponential, capped ceiling', () => {
    expect(backoffDelay(0, policy, () => 0.999)).toBe(199)
    expect(backoffDelay(2, policy, () => 0.999)).toBe(799)
    expect(backoffDelay(10, policy, () => 0.999)).toBe(4995)
    expect(backoffDelay(3, policy, () => 0)).toBe(0)
  })
})
