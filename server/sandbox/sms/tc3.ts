// TC3-HMAC-SHA256, the Tencent Cloud API 3.0 request signature: the signer's steps, and the emulator's check of a request.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto'

export const TC3_ALGORITHM = 'TC3-HMAC-SHA256'
/** The platform refuses a timestamp more than 5 minutes away from its own time. */
export const TC3_MAX_SKEW_SEC = 300

export interface Tc3Input {
  secretKey: string
  service: string
  /** unix seconds, as sent in X-TC-Timestamp */
  timestamp: number
  method: string
  /** the request path as signed, '/' for the real hosts */
  path: string
  /** the query string without '?', '' for POST */
  query: string
  /** the signed headers in SignedHeaders order, names lower-case */
  headers: [name: string, value: string][]
  payload: string | Buffer
}

export interface Tc3Parts {
  payloadHash: string
  canonicalRequest: string
  canonicalRequestHash: string
  date: string
  scope: string
  stringToSign: string
  secretDate: Buffer
  secretService: Buffer
  secretSigning: Buffer
  signature: string
}

const sha256Hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex')
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data, 'utf8').digest()

/** The UTC calendar date of a unix timestamp; using Beijing time here breaks every call between 00:00 and 08:00 there. */
export function tc3Date(timestamp: number): string {
  return new Date(timestamp * 1000).toISOString().slice(0, 10)
}

/** Every intermediate value of the signature, so a test can compare each one with the documented example. */
export function tc3Sign(i: Tc3Input): Tc3Parts {
  const payloadHash = sha256Hex(i.payload)
  const canonicalHeaders = i.headers.map(([n, v]) => `${n}:${v}\n`).join('')
  const signedHeaders = i.headers.map(([n]) => n).join(';')
  const canonicalRequest = [i.method.toUpperCase(), i.path, i.query, canonicalHeaders, signedHeaders, payloadHash].join('\n')
  const canonicalRequestHash = sha256Hex(canonicalRequest)
  const date = tc3Date(i.timestamp)
  const scope = `${date}/${i.service}/tc3_request`
  const stringToSign = `${TC3_ALGORITHM}\n${i.timestamp}\n${scope}\n${canonicalRequestHash}`
  const secretDate = hmac(`TC3${i.secretKey}`, date)
  const secretService = hmac(secretDate, i.service)
  const secretSigning = hmac(secretService, 'tc3_request')
  const signature = createHmac('sha256', secretSigning).update(stringToSign, 'utf8').digest('hex')
  return {
    payloadHash,
    canonicalRequest,
    canonicalRequestHash,
    date,
    scope,
    stringToSign,
    secretDate,
    secretService,
    secretSigning,
    signature,
  }
}

export function tc3AuthorizationHeader(secretId: string, parts: Tc3Parts, signedHeaders: string[]): string {
  return `${TC3_ALGORITHM} Credential=${secretId}/${parts.scope}, SignedHeaders=${signedHeaders.join(';')}, Signature=${parts.signature}`
}

export interface ParsedAuthorization {
  secretId: string
  date: string
  service: string
  signedHeaders: string[]
  signature: string
}

/** `TC3-HMAC-SHA256 Credential=<id>/<date>/<service>/tc3_request, SignedHeaders=a;b, Signature=<hex>`, or null. */
export function parseAuthorization(header: string): ParsedAuthorization | null {
  const m = /^TC3-HMAC-SHA256\s+Credential=([^,\s]+)\s*,\s*SignedHeaders=([^,\s]+)\s*,\s*Signature=([0-9a-f]{64})\s*$/.exec(header.trim())
  if (!m) return null
  // The service may itself hold '/' when an SDK was pointed at a dotless host with a path (localhost:3000/sandbox/sms).
  const cred = m[1]!.split('/')
  if (cred.length < 4 || cred.at(-1) !== 'tc3_request' || !cred[0] || !/^\d{4}-\d{2}-\d{2}$/.test(cred[1]!)) return null
  return { secretId: cred[0], date: cred[1]!, service: cred.slice(2, -1).join('/'), signedHeaders: m[2]!.split(';'), signature: m[3]! }
}

/**
 * The service a signer derives: the official SDKs take the first dot-separated label of the endpoint they were given
 * (`sms.tencentcloudapi.com` → `sms`; an emulator at `127.0.0.1:PORT/sandbox/sms` → `127`). The endpoint is the Host
 * header plus the path the SDK appended '/' to, so the emulator can rebuild it from what it receives.
 */
export function serviceFromEndpoint(host: string, path: string): string {
  return `${host}${path.replace(/\/$/, '')}`.split('.')[0]!
}

export interface Tc3Request {
  method: string
  path: string
  query: string
  /** lower-case names */
  headers: Record<string, string | string[] | undefined>
  body: Buffer
}

export type Tc3Verdict = { ok: true; secretId: string } | { ok: false; code: string; message: string }

function fail(code: string, message: string): Tc3Verdict {
  return { ok: false, code, message }
}

/** What the platform checks before it looks at the action: header shape, secret id, clock skew, then the signature. */
export function verifyTc3(req: Tc3Request, opts: { nowSec: number; secretKeyFor(secretId: string): string | undefined }): Tc3Verdict {
  const header = (name: string) => {
    const v = req.headers[name]
    return Array.isArray(v) ? v[0] : v
  }
  const authorization = header('authorization')
  if (!authorization) return fail('AuthFailure.SignatureFailure', 'The Authorization header is missing.')
  const auth = parseAuthorization(authorization)
  if (!auth) return fail('AuthFailure.InvalidAuthorization', 'Authorization header is not a valid TC3-HMAC-SHA256 credential.')
  const tsText = header('x-tc-timestamp') ?? ''
  if (!/^\d{1,12}$/.test(tsText)) return fail('MissingParameter', 'The request is missing a required parameter `X-TC-Timestamp`.')
  const timestamp = Number(tsText)
  if (Math.abs(opts.nowSec - timestamp) > TC3_MAX_SKEW_SEC) {
    return fail('AuthFailure.SignatureExpire', `Signature expired. Timestamp ${timestamp}, server time ${opts.nowSec}.`)
  }
  const secretKey = opts.secretKeyFor(auth.secretId)
  if (secretKey === undefined)
    return fail('AuthFailure.SecretIdNotFound', 'The SecretId is not found, please ensure that your SecretId is correct.')
  if (!auth.signedHeaders.includes('content-type') || !auth.signedHeaders.includes('host')) {
    return fail('AuthFailure.SignatureFailure', 'SignedHeaders must include content-type and host.')
  }
  const host = header('host') ?? ''
  // Header values are signed lower-case and trimmed; the SDKs sign the host name without the port they connect to.
  const headers: [string, string][] = auth.signedHeaders.map((n) => {
    const v = (header(n) ?? '').trim().toLowerCase()
    return [n, n === 'host' ? v.replace(/:\d+$/, '') : v]
  })
  const parts = tc3Sign({
    secretKey,
    service: serviceFromEndpoint(host, req.path),
    timestamp,
    method: req.method,
    path: req.path,
    query: req.query,
    headers,
    payload: req.body,
  })
  const expected = Buffer.from(parts.signature, 'hex')
  const given = Buffer.from(auth.signature, 'hex')
  if (auth.date !== parts.date || expected.length !== given.length || !timingSafeEqual(expected, given)) {
    return fail('AuthFailure.SignatureFailure', 'The provided credentials could not be validated. Please check your signature is correct.')
  }
  return { ok: true, secretId: auth.secretId }
}
