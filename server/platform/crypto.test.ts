// Callback crypto against every published vector in shared/vectors, plus the ways a forged payload must fail.
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  CallbackCryptoError,
  decryptMessage,
  encryptMessage,
  jsapiSignature,
  msgSignature,
  plainSignature,
  sha1SortedConcat,
  signaturesEqual,
  verifyMsgSignature,
} from './crypto'
import { field, parseXml } from './xml'

// CI clones the repo with shared/ beside it, so the path is relative to the checkout, not to this file.
const VECTORS_PATH = resolve(process.cwd(), '../shared/vectors/crypto-vectors.json')

type Vector = { name: string; kind: string } & Record<string, unknown>
const file = JSON.parse(readFileSync(VECTORS_PATH, 'utf8')) as { count?: number; vectors: Vector[] }

/** A required string field; a vector missing one is a broken vector, reported by name. */
function str(v: Vector, key: string): string {
  const value = v[key]
  if (typeof value !== 'string') throw new Error(`vector ${v.name} (${v.kind}) has no string field "${key}"`)
  return value
}
const opt = (v: Vector, key: string): string | undefined => (typeof v[key] === 'string' ? (v[key] as string) : undefined)
/** WeCom vectors name the id receiveid, Official Account ones appid. */
const receiveId = (v: Vector): string => opt(v, 'receiveid') ?? str(v, 'appid')

function checkDecrypt(v: Vector, encrypted: string) {
  const token = str(v, 'token')
  expect(msgSignature(token, str(v, 'timestamp'), str(v, 'nonce'), encrypted)).toBe(str(v, 'expected_msg_signature'))
  expect(verifyMsgSignature(token, str(v, 'timestamp'), str(v, 'nonce'), encrypted, str(v, 'expected_msg_signature'))).toBe(true)
  const out = decryptMessage(str(v, 'encoding_aes_key'), encrypted, receiveId(v))
  expect(out.message).toBe(str(v, 'expected_plaintext'))
  if (opt(v, 'expected_random16') !== undefined) expect(out.random.toString('latin1')).toBe(str(v, 'expected_random16'))
  if (typeof v.expected_msg_len === 'number') expect(Buffer.byteLength(out.message)).toBe(v.expected_msg_len)
  if (typeof v.expected_ciphertext_bytes === 'number') expect(Buffer.from(encrypted, 'base64').length).toBe(v.expected_ciphertext_bytes)
  if (typeof v.expected_fullstr_bytes === 'number') {
    expect(16 + 4 + Buffer.byteLength(out.message) + Buffer.byteLength(receiveId(v))).toBe(v.expected_fullstr_bytes)
  }
  // Safe-mode OA requests also carry the plain `signature`; it must match the plain algorithm.
  if (opt(v, 'url_signature') !== undefined) {
    expect(plainSignature(token, str(v, 'timestamp'), str(v, 'nonce'))).toBe(str(v, 'url_signature'))
  }
}

/** Encryption with a fixed random must reproduce the published ciphertext byte for byte, and decrypt back. */
function checkEncrypt(v: Vector) {
  const key = str(v, 'encoding_aes_key')
  const random = Buffer.from(str(v, 'random16'), 'latin1')
  expect(random.length).toBe(16)
  const plaintext = opt(v, 'plaintext') ?? str(v, 'msg')
  const encrypted = encryptMessage(key, plaintext, receiveId(v), random)
  expect(encrypted).toBe(str(v, 'expected_encrypt'))
  expect(decryptMessage(key, encrypted, receiveId(v)).message).toBe(plaintext)
  if (opt(v, 'expected_msg_signature') !== undefined) {
    expect(msgSignature(str(v, 'token'), str(v, 'timestamp'), str(v, 'nonce'), encrypted)).toBe(str(v, 'expected_msg_signature'))
  }
}

const handlers: Record<string, (v: Vector) => void> = {
  wecom_verify_url(v) {
    // The echostr arrives percent-decoded by the HTTP layer; from there it is checked like any payload.
    checkDecrypt(v, str(v, 'echostr'))
  },
  wecom_decrypt(v) {
    const envelope = parseXml(str(v, 'post_body'))
    expect(field(envelope, 'Encrypt')).toBe(str(v, 'encrypt'))
    checkDecrypt(v, field(envelope, 'Encrypt'))
  },
  oa_decrypt(v) {
    checkDecrypt(v, str(v, 'encrypt'))
  },
  wecom_encrypt: checkEncrypt,
  oa_encrypt: checkEncrypt,
  aes_fixed_random: checkEncrypt,
  plain_signature(v) {
    const parts = [str(v, 'token'), str(v, 'timestamp'), str(v, 'nonce')]
    if (Array.isArray(v.expected_sorted)) expect([...parts].sort()).toEqual(v.expected_sorted)
    if (opt(v, 'expected_concat') !== undefined) expect([...parts].sort().join('')).toBe(str(v, 'expected_concat'))
    const signature = plainSignature(parts[0], parts[1], parts[2])
    expect(signature).toBe(str(v, 'expected_signature'))
    expect(signaturesEqual(signature, str(v, 'expected_signature'))).toBe(true)
    // URL verification in plain mode answers with the echostr itself.
    if (opt(v, 'expected_response_body') !== undefined) expect(str(v, 'echostr')).toBe(str(v, 'expected_response_body'))
    const negative = v.negative_case as { signature?: string; must_not_match?: boolean } | undefined
    if (negative?.must_not_match) expect(signaturesEqual(signature, negative.signature)).toBe(false)
  },
  jsapi_signature(v) {
    const input = { ticket: str(v, 'jsapi_ticket'), nonceStr: str(v, 'noncestr'), timestamp: str(v, 'timestamp'), url: str(v, 'url') }
    expect(jsapiSignature(input)).toBe(str(v, 'expected_signature'))
    // The fragment never takes part in the signature.
    expect(jsapiSignature({ ...input, url: `${input.url}#section` })).toBe(str(v, 'expected_signature'))
    if (opt(v, 'expected_string1') !== undefined) {
      const string1 = `jsapi_ticket=${input.ticket}&noncestr=${input.nonceStr}&timestamp=${input.timestamp}&url=${input.url}`
      expect(string1).toBe(str(v, 'expected_string1'))
      expect(createHash('sha1').update(string1).digest('hex')).toBe(str(v, 'expected_signature'))
    }
  },
  sorted_concat_sha1(v) {
    if (!Array.isArray(v.parts)) throw new Error(`vector ${v.name} has no parts array`)
    expect(sha1SortedConcat(v.parts as string[])).toBe(str(v, 'expected_signature'))
    // Order of the input must not matter.
    expect(sha1SortedConcat([...(v.parts as string[])].reverse())).toBe(str(v, 'expected_signature'))
  },
}

describe('crypto vectors', () => {
  it('the vector file is complete and every kind has a handler', () => {
    expect(file.vectors.length).toBeGreaterThan(0)
    if (typeof file.count === 'number') expect(file.vectors.length).toBe(file.count)
    const unhandled = [...new Set(file.vectors.map((v) => v.kind))].filter((k) => !(k in handlers))
    expect(unhandled).toEqual([])
  })

  for (const v of file.vectors) {
    it(`${v.kind}: ${v.name}`, () => {
      const handler = handlers[v.kind]
      if (!handler) throw new Error(`no handler for vector kind "${v.kind}"`)
      handler(v)
    })
  }
})

describe('forged or misaddressed payloads', () => {
  const sample = file.vectors.find((v) => v.kind === 'wecom_decrypt')!
  const key = str(sample, 'encoding_aes_key')
  const token = str(sample, 'token')
  const corpId = receiveId(sample)
  const encrypted = str(sample, 'encrypt')

  it('rejects a payload addressed to another receiveid', () => {
    const err = catchError(() => decryptMessage(key, encrypted, 'ww_other_corp'))
    expect(err).toBeInstanceOf(CallbackCryptoError)
    expect((err as CallbackCryptoError).reason).toBe('receiveid')
  })

  it('rejects a tampered ciphertext: the signature breaks, and decryption does not yield the message', () => {
    const raw = Buffer.from(encrypted, 'base64')
    raw[raw.length - 1] ^= 0x01
    const tampered = raw.toString('base64')
    expect(verifyMsgSignature(token, str(sample, 'timestamp'), str(sample, 'nonce'), tampered, str(sample, 'expected_msg_signature'))).toBe(
      false,
    )
    const err = catchError(() => decryptMessage(key, tampered, corpId))
    expect(err).toBeInstanceOf(CallbackCryptoError)
    expect(['decrypt', 'receiveid']).toContain((err as CallbackCryptoError).reason)
  })

  it('rejects a truncated ciphertext as undecryptable', () => {
    const truncated = Buffer.from(encrypted, 'base64').subarray(0, 40).toString('base64')
    const err = catchError(() => decryptMessage(key, truncated, corpId))
    expect((err as CallbackCryptoError).reason).toBe('decrypt')
  })

  it('rejects a bad signature, a missing one, and one for other parameters', () => {
    const ts = str(sample, 'timestamp')
    const nonce = str(sample, 'nonce')
    const good = str(sample, 'expected_msg_signature')
    expect(verifyMsgSignature(token, ts, nonce, encrypted, good.toUpperCase())).toBe(true)
    expect(verifyMsgSignature(token, ts, nonce, encrypted, `${good.slice(0, -1)}0`)).toBe(false)
    expect(verifyMsgSignature(token, ts, nonce, encrypted, undefined)).toBe(false)
    expect(verifyMsgSignature(token, ts, nonce, encrypted, '')).toBe(false)
    expect(verifyMsgSignature(token, `${Number(ts) + 1}`, nonce, encrypted, good)).toBe(false)
    expect(verifyMsgSignature('other-token', ts, nonce, encrypted, good)).toBe(false)
  })

  it('refuses a malformed EncodingAESKey', () => {
    const err = catchError(() => decryptMessage(key.slice(0, 42), encrypted, corpId))
    expect((err as CallbackCryptoError).reason).toBe('key')
  })

  it('round-trips UTF-8 with a random IV prefix each time', () => {
    const a = encryptMessage(key, '你好，诊所 <xml/>', corpId)
    const b = encryptMessage(key, '你好，诊所 <xml/>', corpId)
    expect(a).not.toBe(b)
    expect(decryptMessage(key, a, corpId).message).toBe('你好，诊所 <xml/>')
  })
})

function catchError(fn: () => unknown): unknown {
  try {
    fn()
  } catch (err) {
    return err
  }
  throw new Error('expected an error')
}
