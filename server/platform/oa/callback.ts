// The Official Account's callback envelope: URL verification (plain signature → echostr) and POSTs in plain, compatible and safe mode.
import { CallbackRefused, checkWindow, envelopeXml, openSigned, type CallbackQuery } from '../callback-envelope'
import { plainSignature, signaturesEqual } from '../crypto'
import { field, type XmlObject } from '../xml'

export type OaMessageMode = 'plain' | 'compatible' | 'safe'

/** What the server URL is configured with on 公众平台; appId is the receiveid every encrypted message must carry. */
export interface OaCallbackSecrets {
  appId: string
  token: string
  /** Required for compatible and safe mode. */
  encodingAesKey: string | null
  mode: OaMessageMode
}

const str = (v: unknown) => (typeof v === 'string' ? v : '')

function timestampOf(q: CallbackQuery, nowMs: number): { timestamp: string; nonce: string } {
  const timestamp = str(q.timestamp)
  const nonce = str(q.nonce)
  if (!/^\d{1,12}$/.test(timestamp) || !nonce) throw new CallbackRefused(400, 'missing timestamp or nonce')
  checkWindow(timestamp, nowMs)
  return { timestamp, nonce }
}

/** signature = sha1(sort(token, timestamp, nonce)): every OA request carries it, whatever the mode. */
export function checkPlainSignature(token: string, query: CallbackQuery, nowMs: number): void {
  const { timestamp, nonce } = timestampOf(query, nowMs)
  const signature = str(query.signature)
  if (!signature) throw new CallbackRefused(400, 'missing signature')
  if (!signaturesEqual(plainSignature(token, timestamp, nonce), signature)) throw new CallbackRefused(403, 'bad signature')
}

/** URL verification (GET): echostr back, bare, once the plain signature matches (the same in every mode). */
export function oaEcho(secrets: Pick<OaCallbackSecrets, 'token'>, query: CallbackQuery, nowMs: number): string {
  checkPlainSignature(secrets.token, query, nowMs)
  const echostr = str(query.echostr)
  if (!echostr) throw new CallbackRefused(400, 'missing echostr')
  return echostr
}

/** msg_signature over Encrypt, then AES with the AppID as receiveid: the plaintext. */
export function openOaEncrypted(
  secrets: Pick<OaCallbackSecrets, 'appId' | 'token' | 'encodingAesKey'>,
  query: CallbackQuery,
  encrypted: string,
  nowMs: number,
): string {
  const { timestamp, nonce } = timestampOf(query, nowMs)
  const signature = str(query.msg_signature)
  if (!signature) throw new CallbackRefused(400, 'missing msg_signature')
  if (!secrets.encodingAesKey) throw new CallbackRefused(403, 'encrypted message but no EncodingAESKey configured')
  return openSigned(
    { token: secrets.token, encodingAesKey: secrets.encodingAesKey, receiveId: secrets.appId },
    { timestamp, nonce, signature },
    encrypted,
  )
}

const xml = envelopeXml

export interface OpenedOaMessage {
  /** The message XML as the platform signed it (decrypted in compatible and safe mode). */
  plaintext: string
  doc: XmlObject
  /** MsgId for messages; Event + MsgID for template results; FromUserName + CreateTime + Event for other events. */
  dedupeKey: string
}

/** The identity of a message or event across the platform's retries. */
export function oaDedupeKey(doc: XmlObject): string {
  if (field(doc, 'MsgType') !== 'event' && field(doc, 'MsgId')) return `msg:${field(doc, 'MsgId')}`
  // TEMPLATESENDJOBFINISH carries the message's MsgID: several messages to one fan finish within the same second.
  const msgId = field(doc, 'MsgID')
  if (msgId && msgId !== '0') return `event:${field(doc, 'Event')}:${msgId}`
  return `event:${field(doc, 'FromUserName')}:${field(doc, 'CreateTime')}:${field(doc, 'Event')}`
}

/**
 * A POSTed message in the account's mode. Safe: only the encrypted form counts. Compatible: the encrypted form when the
 * request says encrypt_type=aes (the clear copy beside it is ignored), else the plain form. Plain: the signed body as is.
 */
export function openOaMessage(secrets: OaCallbackSecrets, query: CallbackQuery, body: string, nowMs: number): OpenedOaMessage {
  const outer = xml(body)
  const encrypted = field(outer, 'Encrypt')
  const wantsEncrypted = secrets.mode === 'safe' || (secrets.mode === 'compatible' && (str(query.encrypt_type) === 'aes' || !!encrypted))
  let plaintext: string
  let doc: XmlObject
  if (wantsEncrypted) {
    if (!encrypted) throw new CallbackRefused(400, 'no Encrypt element')
    plaintext = openOaEncrypted(secrets, query, encrypted, nowMs)
    doc = xml(plaintext)
  } else {
    checkPlainSignature(secrets.token, query, nowMs)
    plaintext = body
    doc = outer
  }
  if (!field(doc, 'MsgType')) throw new CallbackRefused(400, 'no MsgType in the message')
  if (!field(doc, 'FromUserName')) throw new CallbackRefused(400, 'no FromUserName in the message')
  return { plaintext, doc, dedupeKey: oaDedupeKey(doc) }
}
