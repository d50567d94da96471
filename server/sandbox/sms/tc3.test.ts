// TC3-HMAC-SHA256: the official documentation's example through the signer and the emulator's verifier.
import { describe, expect, it } from 'vitest'
import { parseAuthorization, serviceFromEndpoint, tc3AuthorizationHeader, tc3Date, tc3Sign, verifyTc3 } from './tc3'

// The body keeps its literal \u escapes: the signature covers the bytes, not the decoded JSON.
const BODY = '{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}'
const SECRET_ID = 'AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE'
const SECRET_KEY = 'Gu5t9xGARNpq86cd98joQYCN3EXAMPLE'
const TS = 1551113065
const CONTENT_TYPE = 'application/json; charset=utf-8'
const HOST = 'cvm.tencentcloudapi.com'

const vector = () =>
  tc3Sign({
    secretKey: SECRET_KEY,
    service: 'cvm',
    timestamp: TS,
    method: 'POST',
    path: '/',
    query: '',
    headers: [
      ['content-type', CONTENT_TYPE],
      ['host', HOST],
    ],
    payload: BODY,
  })

describe('tc3Sign', () => {
  it('reproduces every value of the documented example', () => {
    const p = vector()
    expect(p.payloadHash).toBe('35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064')
    expect(p.canonicalRequest).toBe(`POST\n/\n\ncontent-type:${CONTENT_TYPE}\nhost:${HOST}\n\ncontent-type;host\n${p.payloadHash}`)
    expect(p.canonicalRequestHash).toBe('5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031')
    expect(p.date).toBe('2019-02-25')
    expect(p.stringToSign).toBe(`TC3-HMAC-SHA256\n${TS}\n2019-02-25/cvm/tc3_request\n${p.canonicalRequestHash}`)
    expect(p.secretDate.toString('hex')).toBe('d1308c81fe71cfd4e06437bbc067b2b8a3d2d8c0e375d547f15c41d5214b395a')
    expect(p.secretService.toString('hex')).toBe('3c7cb7c7795393edc14fd2e0e6434a518564b4504b88e94f5d11bf59ba3e7050')
    expect(p.secretSigning.toString('hex')).toBe('ac658d5dde49e9bfdd14e04e062f66b05d9f637d44b8a8d845327d4a77f666b1')
    expect(p.signature).toBe('72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168')
  })

  it('uses the UTC date: 07:59 Beijing time on the 26th is still the 25th', () => {
    expect(tc3Date(Date.UTC(2019, 1, 25, 23, 59, 0) / 1000)).toBe('2019-02-25')
  })
})

describe('verifyTc3', () => {
  const request = (over: { authorization?: string; body?: string; host?: string; timestamp?: string } = {}) => ({
    method: 'POST',
    path: '/',
    query: '',
    headers: {
      authorization: over.authorization ?? tc3AuthorizationHeader(SECRET_ID, vector(), ['content-type', 'host']),
      'content-type': CONTENT_TYPE,
      host: over.host ?? HOST,
      'x-tc-timestamp': over.timestamp ?? String(TS),
    },
    body: Buffer.from(over.body ?? BODY),
  })
  const keys = { nowSec: TS + 10, secretKeyFor: (id: string) => (id === SECRET_ID ? SECRET_KEY : undefined) }

  it('accepts the documented example and names the caller', () => {
    expect(verifyTc3(request(), keys)).toEqual({ ok: true, secretId: SECRET_ID })
  })

  it('ignores the port in Host (the SDKs sign the host name only)', () => {
    expect(verifyTc3(request({ host: `${HOST}:443` }), keys).ok).toBe(true)
  })

  it('refuses a changed body, another key, another host and a forged scope date', () => {
    expect(verifyTc3(request({ body: BODY.replace('1', '2') }), keys)).toMatchObject({ ok: false, code: 'AuthFailure.SignatureFailure' })
    expect(verifyTc3(request(), { ...keys, secretKeyFor: () => 'wrong' })).toMatchObject({ code: 'AuthFailure.SignatureFailure' })
    expect(verifyTc3(request({ host: 'sms.tencentcloudapi.com' }), keys)).toMatchObject({ code: 'AuthFailure.SignatureFailure' })
    const auth = tc3AuthorizationHeader(SECRET_ID, vector(), ['content-type', 'host']).replace('2019-02-25', '2019-02-26')
    expect(verifyTc3(request({ authorization: auth }), keys)).toMatchObject({ code: 'AuthFailure.SignatureFailure' })
  })

  it('refuses an unknown SecretId, a stale timestamp and a malformed header', () => {
    expect(verifyTc3(request(), { ...keys, secretKeyFor: () => undefined })).toMatchObject({ code: 'AuthFailure.SecretIdNotFound' })
    expect(verifyTc3(request(), { ...keys, nowSec: TS + 301 })).toMatchObject({ code: 'AuthFailure.SignatureExpire' })
    expect(verifyTc3(request(), { ...keys, nowSec: TS + 300 }).ok).toBe(true)
    expect(verifyTc3(request({ authorization: 'Basic abc' }), keys)).toMatchObject({ code: 'AuthFailure.InvalidAuthorization' })
  })

  it('parses the Authorization header', () => {
    expect(parseAuthorization(tc3AuthorizationHeader(SECRET_ID, vector(), ['content-type', 'host']))).toEqual({
      secretId: SECRET_ID,
      date: '2019-02-25',
      service: 'cvm',
      signedHeaders: ['content-type', 'host'],
      signature: '72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168',
    })
  })
  it('parses a credential whose service holds slashes (an SDK pointed at localhost:PORT/path)', () => {
    const auth = `TC3-HMAC-SHA256 Credential=AKID1/2026-12-01/localhost:3000/sandbox/sms/tc3_request, SignedHeaders=content-type;host, Signature=${'a'.repeat(64)}`
    expect(parseAuthorization(auth)).toMatchObject({ secretId: 'AKID1', date: '2026-12-01', service: 'localhost:3000/sandbox/sms' })
    expect(parseAuthorization(auth.replace('2026-12-01', 'yesterday'))).toBeNull()
  })
})

describe('serviceFromEndpoint', () => {
  it('takes the first label of the endpoint, as the SDK does', () => {
    expect(serviceFromEndpoint('sms.tencentcloudapi.com', '/')).toBe('sms')
    expect(serviceFromEndpoint('sms.ap-guangzhou.tencentcloudapi.com', '/')).toBe('sms')
    expect(serviceFromEndpoint('127.0.0.1:39001', '/sandbox/sms/')).toBe('127')
    expect(serviceFromEndpoint('localhost:3000', '/sandbox/sms/')).toBe('localhost:3000/sandbox/sms')
  })
})
