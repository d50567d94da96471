// What WeCom's and the Official Account's callback envelopes share: the refusal, the replay window, signed AES decryption, strict XML.
import { CallbackCryptoError, decryptMessage, verifyMsgSignature } from './crypto'
import { parseCallbackXml } from './flat-xml'
import { XmlError, type XmlObject } from './xml'

/** Callbacks whose timestamp is further than this from our clock are refused (replays). */
export const CALLBACK_WINDOW_MS = 5 * 60_000

/** A callback that is not the platform's, or not for us: answered with `status` and never stored. */
export class CallbackRefused extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

export type CallbackQuery = Record<string, unknown>

/** The timestamp must be a plausible epoch-seconds value within the window of our clock. */
export function checkWindow(timestamp: string, nowMs: number): void {
  if (!/^\d{1,12}$/.test(timestamp)) throw new CallbackRefused(400, 'missing or malformed timestamp')
  if (Math.abs(nowMs - Number(timestamp) * 1000) > CALLBACK_WINDOW_MS)
    throw new CallbackRefused(403, 'timestamp outside the accepted window')
}

/** msg_signature first, then AES with the receiveid check: a wrong key decrypts to garbage instead of failing. */
export function openSigned(
  k: { token: string; encodingAesKey: string; receiveId: string },
  q: { timestamp: string; nonce: string; signature: string },
  encrypted: string,
): string {
  if (!verifyMsgSignature(k.token, q.timestamp, q.nonce, encrypted, q.signature)) throw new CallbackRefused(403, 'bad msg_signature')
  try {
    return decryptMessage(k.encodingAesKey, encrypted, k.receiveId).message
  } catch (err) {
    if (err instanceof CallbackCryptoError) throw new CallbackRefused(403, err.message)
    throw err
  }
}

/** The flat XML of an envelope or message; malformed XML is a 400, never stored. */
export function envelopeXml(text: string): XmlObject {
  try {
    return parseCallbackXml(text)
  } catch (err) {
    if (err instanceof XmlError) throw new CallbackRefused(400, err.message)
    throw err
  }
}
