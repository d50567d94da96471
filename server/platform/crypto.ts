// WXBizMsgCrypt for WeCom and the Official Account: signatures, AES decrypt/encrypt with receiveid checks.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { decrypt, encrypt, getJsApiSignature, getSignature } from '@wecom/crypto'

export class CallbackCryptoError extends Error {
  constructor(
    readonly reason: 'signature' | 'decrypt' | 'receiveid' | 'key',
    message: string,
  ) {
    super(message)
  }
}

const AES_KEY_RE = /^[a-zA-Z0-9]{43}$/

export function isValidEncodingAesKey(key: string): boolean {
  return AES_KEY_RE.test(key) && Buffer.from(`${key}=`, 'base64').length === 32
}

/** A fresh EncodingAESKey: 43 characters of [a-zA-Z0-9] that decode to 32 bytes. */
export function generateEncodingAesKey(): string {
  for (;;) {
    const candidate = randomBytes(32).toString('base64').slice(0, 43)
    if (isValidEncodingAesKey(candidate)) return candidate
  }
}

/** sha1 over the sorted (token, timestamp, nonce, encrypt): WeCom's msg_signature. */
export function msgSignature(token: string, timestamp: string | number, nonce: string | number, encrypted: string): string {
  return getSignature(token, String(timestamp), String(nonce), encrypted)
}

/** hex sha1 of the parts sorted byte-wise and joined without separator: the core of every callback signature. */
export function sha1SortedConcat(parts: readonly string[]): string {
  return createHash('sha1')
    .update([...parts].sort().join(''))
    .digest('hex')
}

/** sha1 over the sorted (token, timestamp, nonce): the Official Account's plain-mode signature. */
export function plainSignature(token: string, timestamp: string | number, nonce: string | number): string {
  return sha1SortedConcat([token, String(timestamp), String(nonce)])
}

/** Constant-time comparison of two hex signatures. */
export function signaturesEqual(expected: string, given: string | undefined | null): boolean {
  if (typeof given !== 'string') return false
  const a = Buffer.from(expected.toLowerCase())
  const b = Buffer.from(given.toLowerCase())
  return a.length === b.length && timingSafeEqual(a, b)
}

export function verifyMsgSignature(
  token: string,
  timestamp: string,
  nonce: string,
  encrypted: string,
  signature: string | undefined,
): boolean {
  return signaturesEqual(msgSignature(token, timestamp, nonce, encrypted), signature)
}

/**
 * Decrypts a callback payload and checks its receiveid (corp id, suite id or AppID).
 * Verify the signature first: a wrong key does not fail here on its own, it yields garbage.
 */
export function decryptMessage(encodingAesKey: string, encrypted: string, expectedReceiveId: string): { message: string; random: Buffer } {
  if (!isValidEncodingAesKey(encodingAesKey)) throw new CallbackCryptoError('key', 'EncodingAESKey must be 43 characters of [a-zA-Z0-9]')
  let out: { message: string; id: string; random: Buffer }
  try {
    const raw = Buffer.from(encrypted, 'base64')
    if (raw.length === 0 || raw.length % 32 !== 0) throw new Error('ciphertext length is not a multiple of 32')
    out = decrypt(encodingAesKey, encrypted)
  } catch (err) {
    throw new CallbackCryptoError('decrypt', `decrypt failed: ${(err as Error).message}`)
  }
  if (out.id !== expectedReceiveId) {
    throw new CallbackCryptoError('receiveid', 'receiveid does not match the configured id')
  }
  return { message: out.message, random: out.random }
}

export function encryptMessage(encodingAesKey: string, message: string, receiveId: string, random?: Buffer): string {
  if (!isValidEncodingAesKey(encodingAesKey)) throw new CallbackCryptoError('key', 'EncodingAESKey must be 43 characters of [a-zA-Z0-9]')
  return encrypt(encodingAesKey, message, receiveId, random ?? randomBytes(16))
}

/** JS-SDK signature over jsapi_ticket, noncestr, timestamp and the page URL (fragment removed). */
export function jsapiSignature(input: { ticket: string; nonceStr: string; timestamp: string | number; url: string }): string {
  return getJsApiSignature({ ticket: input.ticket, nonceStr: input.nonceStr, timestamp: input.timestamp, url: input.url.split('#')[0] })
    .signature
}

/** A random nonce of digits, like the platform's. */
export function randomNonce(): string {
  return String(randomBytes(4).readUInt32BE(0))
}
