// A passive reply to an OA message (the HTTP answer to the callback itself), encrypted whenever the message came encrypted.
import { encryptMessage, msgSignature, randomNonce } from '../crypto'
import { buildXml } from '../xml'
import type { OaCallbackSecrets } from './callback'

export interface PassiveText {
  /** The fan's openid (the message's FromUserName). */
  toUser: string
  /** The account's original id (the message's ToUserName). */
  fromUser: string
  content: string
}

export function oaPassiveTextReply(secrets: OaCallbackSecrets, reply: PassiveText, encrypted: boolean, nowMs: number): string {
  const createTime = Math.floor(nowMs / 1000)
  const plain = buildXml({
    ToUserName: reply.toUser,
    FromUserName: reply.fromUser,
    CreateTime: createTime,
    MsgType: 'text',
    Content: reply.content,
  })
  if (!encrypted || !secrets.encodingAesKey) return plain
  const encrypt = encryptMessage(secrets.encodingAesKey, plain, secrets.appId)
  const timestamp = String(createTime)
  const nonce = randomNonce()
  return buildXml({
    Encrypt: encrypt,
    MsgSignature: msgSignature(secrets.token, timestamp, nonce, encrypt),
    TimeStamp: createTime,
    Nonce: nonce,
  })
}
