// WeCom's callback envelope: the signed query, the timestamp window, msg_signature, AES decryption with the receiveid check, the flat XML inside.
import { CallbackRefused, checkWindow, envelopeXml, openSigned, type CallbackQuery } from '../callback-envelope'
import { field, type XmlObject } from '../xml'

/** What a callback URL is configured with on the WeCom side; corpId is the receiveid every message must carry. */
export interface CallbackSecrets {
  corpId: string
  token: string
  encodingAesKey: string
}

export { CALLBACK_WINDOW_MS, CallbackRefused, type CallbackQuery } from '../callback-envelope'

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
  checkWindow(timestamp, nowMs)
  return { signature, timestamp, nonce }
}

const open = (secrets: CallbackSecrets, q: SignedQuery, encrypted: string) =>
  openSigned({ token: secrets.token, encodingAesKey: secrets.encodingAesKey, receiveId: secrets.corpId }, q, encrypted)
const xml = envelopeXml

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
