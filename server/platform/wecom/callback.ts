// WeCom's callback envelope: the signed query, the timestamp window, msg_signature, AES decryption with the receiveid check, the flat XML inside.
import { CallbackCryptoError, decryptMessage, verifyMsgSignature } from '../crypto'
import { parseCallbackXml } from '../flat-xml'
import { field, XmlError, type XmlObject } from '../xml'

/** Callbacks whose timestamp is further than this from our clock are refused (replays). */
export const CALLBACK_WINDOW_MS = 5 * 60_000

/** What a callback URL is configured with on the WeCom side; corpId is the receiveid every message must carry. */
export interface CallbackSecrets {
  corpId: string
  token: string
  encodingAesKey: string
}

/** A callback that is not WeCom's, or not for us: answered with `status` and never stored. */
export class CallbackRefused extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

export type CallbackQuery = Record<string, unknown>

interface SignedQuery {
  signature: string
  timestamp: string
  nonce: string
}

function signedQuery(q: CallbackQuery, nowMs: number): SignedQuery {
  const signature = typeof q.msg_signature === 'string' ? q.msg_signature : ''
  const timestamp = typeof q.timestamp === 'string' ? q.timestamp : ''
  const nonce = typeof q.nonce === 'string' ? q.nonce : ''
  if (!signature || !/^\d{1,12}$/.test(timestamp) || !nonce) throw new CallbackRefused(400, 'missing msg_signature, timestamp or nonce')
  if (Math.abs(nowMs - Number(timestamp) * 1000) > CALLBACK_WINDOW_MS)
    throw new CallbackRefused(403, 'timestamp outside the accepted window')
  return { signature, timestamp, nonce }
}

/** Signature first, then decrypt: a wrong key decrypts to garbage instead of failing. */
function open(secrets: CallbackSecrets, q: SignedQuery, encrypted: string): string {
  if (!verifyMsgSignature(secrets.token, q.timestamp, q.nonce, encrypted, q.signature)) throw new CallbackRefused(403, 'bad msg_signature')
  try {
    return decryptMessage(secrets.encodingAesKey, encrypted, secrets.corpId).message
  } catch (err) {
    if (err instanceof CallbackCryptoError) throw new CallbackRefused(403, err.message)
    throw err
  }
}

function xml(text: string): XmlObject {
  try {
    return parseCallbackXml(text)
  } catch (err) {
    if (err instanceof XmlError) throw new CallbackRefused(400, err.message)
    throw err
  }
}

export interface OpenedMessage {
  /** The decrypted XML, as WeCom signed it (kept verbatim: its hash is the event's dedupe key). */
  plaintext: string
  doc: XmlObject
}

/** A POSTed event: the checked and decrypted message, or CallbackRefused. */
export function openMessage(secrets: CallbackSecrets, query: CallbackQuery, body: string, nowMs: number): OpenedMessage {
  const q = signedQuery(query, nowMs)
  const encrypted = field(xml(body), 'Encrypt')
  if (!encrypted) throw new CallbackRefused(400, 'no Encrypt element')
  const plaintext = open(secrets, q, encrypted)
  const doc = xml(plaintext)
  if (!field(doc, 'MsgType')) throw new CallbackRefused(400, 'no MsgType in the message')
  return { plaintext, doc }
}

/** URL verification (GET): the decrypted echostr, which is the whole answer. */
export function openEcho(secrets: CallbackSecrets, query: CallbackQuery, nowMs: number): string {
  const q = signedQuery(query, nowMs)
  const echostr = typeof query.echostr === 'string' ? query.echostr : ''
  if (!echostr) throw new CallbackRefused(400, 'missing echostr')
  return open(secrets, q, echostr)
}
