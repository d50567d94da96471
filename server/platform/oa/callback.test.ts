// The OA envelope against the collected vectors (plain signature, OA decrypt with the AppID as receiveid) and its mode rules.
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { encryptMessage, msgSignature, plainSignature } from '../crypto'
import { CallbackRefused } from '../wecom/callback'
import { checkPlainSignature, oaDedupeKey, oaEcho, openOaEncrypted, openOaMessage } from './callback'

interface Vector {
  name: string
  kind: string
  token: string
  timestamp: string
  nonce: string
  [k: string]: any
}
const VECTORS_FILE = resolve(process.cwd(), '../shared/vectors/crypto-vectors.json')
const vectors: Vector[] = JSON.parse(readFileSync(VECTORS_FILE, 'utf8')).vectors
const ofKind = (kind: string) => vectors.filter((v) => v.kind === kind)
const at = (v: { timestamp: string }) => Number(v.timestamp) * 1000

function refusal(fn: () => unknown): number {
  try {
    fn()
  } catch (err) {
    if (err instanceof CallbackRefused) return err.status
    throw err
  }
  throw new Error('not refused')
}

describe('plain signature vectors', () => {
  it.each(ofKind('plain_signature').map((v) => [v.name, v] as const))('%s', (_name, v) => {
    const query = { signature: v.expected_signature, timestamp: v.timestamp, nonce: v.nonce, echostr: v.echostr ?? 'echo' }
    expect(() => checkPlainSignature(v.token, query, at(v))).not.toThrow()
    expect(oaEcho({ token: v.token }, query, at(v))).toBe(v.expected_response_body ?? query.echostr)
    if (v.negative_case)
      expect(refusal(() => checkPlainSignature(v.token, { ...query, signature: v.negative_case.signature }, at(v)))).toBe(403)
  })

  it('has the vectors it expects', () => {
    expect(ofKind('plain_signature').length).toBeGreaterThanOrEqual(3)
    expect(ofKind('oa_decrypt').length).toBeGreaterThanOrEqual(2)
  })

  it('refuses a wrong token, a stale timestamp and a missing signature', () => {
    const v = ofKind('plain_signature')[0]
    const query = { signature: v.expected_signature, timestamp: v.timestamp, nonce: v.nonce, echostr: 'x' }
    expect(refusal(() => oaEcho({ token: 'other' }, query, at(v)))).toBe(403)
    expect(refusal(() => oaEcho({ token: v.token }, query, at(v) + 10 * 60_000))).toBe(403)
    expect(refusal(() => oaEcho({ token: v.token }, { ...query, signature: '' }, at(v)))).toBe(400)
    expect(refusal(() => oaEcho({ token: v.token }, { ...query, echostr: '' }, at(v)))).toBe(400)
  })
})

describe('OA decrypt vectors', () => {
  it.each(ofKind('oa_decrypt').map((v) => [v.name, v] as const))('%s', (_name, v) => {
    const secrets = { appId: v.appid, token: v.token, encodingAesKey: v.encoding_aes_key }
    const query = { timestamp: v.timestamp, nonce: v.nonce, msg_signature: v.expected_msg_signature }
    expect(openOaEncrypted(secrets, query, v.encrypt, at(v))).toBe(v.expected_plaintext)
    // The AppID is the receiveid: another account's key material does not open it.
    expect(refusal(() => openOaEncrypted({ ...secrets, appId: 'wx0000000000000000' }, query, v.encrypt, at(v)))).toBe(403)
    expect(refusal(() => openOaEncrypted(secrets, { ...query, msg_signature: '0'.repeat(40) }, v.encrypt, at(v)))).toBe(403)
  })

  it('compatible mode (the official demo): the encrypted copy is what counts, the AppID checked', () => {
    const v = vectors.find((x) => x.name === 'oa_official_python_demo_decrypt')!
    const body = `<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName><FromUserName><![CDATA[oyORnuP8q7ou2gfYjqLzSIWZf0rs]]></FromUserName><CreateTime>1409735668</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[abcdteT]]></Content><MsgId>6054768590064713728</MsgId><Encrypt><![CDATA[${v.encrypt}]]></Encrypt></xml>`
    const query = {
      signature: plainSignature(v.token, v.timestamp, v.nonce),
      timestamp: v.timestamp,
      nonce: v.nonce,
      encrypt_type: 'aes',
      msg_signature: v.expected_msg_signature,
    }
    const secrets = { appId: v.appid, token: v.token, encodingAesKey: v.encoding_aes_key, mode: 'compatible' as const }
    const opened = openOaMessage(secrets, query, body, at(v))
    expect(opened.plaintext).toBe(v.expected_plaintext)
    expect(opened.doc).toMatchObject({ MsgType: 'text', Content: 'abcdteT', MsgId: '6054768590064713728' })
    expect(opened.dedupeKey).toBe('msg:6054768590064713728')
  })
})

describe('openOaMessage modes', () => {
  const token = 'tok3n'
  const appId = 'wx1234567890abcdef'
  const key = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG'
  const now = 1_800_000_000_000
  const ts = String(now / 1000)
  const inner =
    '<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[openid1]]></FromUserName><CreateTime>1800000000</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe]]></Event><EventKey><![CDATA[]]></EventKey></xml>'

  it('plain: the signed body as is; an event is keyed by FromUserName + CreateTime + Event', () => {
    const q = { signature: plainSignature(token, ts, 'n1'), timestamp: ts, nonce: 'n1', openid: 'openid1' }
    const m = openOaMessage({ appId, token, encodingAesKey: null, mode: 'plain' }, q, inner, now)
    expect(m.plaintext).toBe(inner)
    expect(m.dedupeKey).toBe('event:openid1:1800000000:subscribe')
    expect(oaDedupeKey(m.doc)).toBe(m.dedupeKey)
    expect(refusal(() => openOaMessage({ appId, token, encodingAesKey: null, mode: 'plain' }, { ...q, nonce: 'n2' }, inner, now))).toBe(403)
  })

  it('safe: only the encrypted form; a plain body is refused', () => {
    const encrypt = encryptMessage(key, inner, appId)
    const q = { timestamp: ts, nonce: 'n1', encrypt_type: 'aes', msg_signature: msgSignature(token, ts, 'n1', encrypt) }
    const secrets = { appId, token, encodingAesKey: key, mode: 'safe' as const }
    const body = `<xml><ToUserName><![CDATA[gh_1]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`
    expect(openOaMessage(secrets, q, body, now).plaintext).toBe(inner)
    const plainQ = { signature: plainSignature(token, ts, 'n1'), timestamp: ts, nonce: 'n1' }
    expect(refusal(() => openOaMessage(secrets, plainQ, inner, now))).toBe(400)
  })
})

describe('oaDedupeKey', () => {
  it('tells apart template results for one fan within one second by their MsgID; keeps follow events by fan, time and event', () => {
    const base = {
      ToUserName: 'gh',
      FromUserName: 'o1',
      CreateTime: '1764560000',
      MsgType: 'event',
      Event: 'TEMPLATESENDJOBFINISH',
      Status: 'success',
    }
    expect(oaDedupeKey({ ...base, MsgID: '1001' })).not.toBe(oaDedupeKey({ ...base, MsgID: '1002' }))
    expect(oaDedupeKey({ ...base, MsgID: '1001' })).toBe(oaDedupeKey({ ...base, MsgID: '1001', Status: 'success' }))
    expect(oaDedupeKey({ ...base, Event: 'subscribe' })).toBe('event:o1:1764560000:subscribe')
  })
})
