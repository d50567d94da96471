// Callbacks out, like WeCom sends them: plaintext event XML, AES-encrypted for the corp, signed, POSTed with 3 tries.
import { randomBytes } from 'node:crypto'
import type { Clock } from '../lib/clock'
import { encryptMessage, msgSignature, plainSignature, randomNonce } from '../platform/crypto'
import { buildXml } from '../platform/xml'
import type { CallbackConfig, CappedLog, CorpState, Delivery } from './state'

export type XmlFields = Record<string, string | number | undefined>

// Deliveries are part of a corp's recorded state (its callback log), so their types live with the state.
export type { Delivery, DeliveryAttempt } from './state'

export interface VerifyUrlResult {
  ok: boolean
  url: string
  status: number | null
  /** the echostr plaintext the receiver had to answer with */
  expected: string
  body: string | null
  ms: number
  error?: string
}

/** WeCom tries 3 times in total and gives each try 5 s. */
export const CALLBACK_ATTEMPTS = 3

/** The header every system event carries: sent by 'sys' to the corp, CreateTime in seconds. */
function systemEvent(corpid: string, nowMs: number, event: string) {
  return { ToUserName: corpid, FromUserName: 'sys', CreateTime: Math.floor(nowMs / 1000), MsgType: 'event', Event: event }
}

/** Customer-contact event plaintext, in WeCom's field order; undefined fields are left out. */
export function externalContactEventXml(
  corpid: string,
  nowMs: number,
  changeType: string,
  fields: { UserID: string; ExternalUserID: string; State?: string; WelcomeCode?: string; Source?: string; FailReason?: string },
): string {
  return buildXml({
    ...systemEvent(corpid, nowMs, 'change_external_contact'),
    ChangeType: changeType,
    UserID: fields.UserID,
    ExternalUserID: fields.ExternalUserID,
    State: fields.State,
    WelcomeCode: fields.WelcomeCode,
    Source: fields.Source,
    FailReason: fields.FailReason,
  })
}

/** change_external_tag: shuffle carries no TagType. */
export function externalTagEventXml(
  corpid: string,
  nowMs: number,
  changeType: 'create' | 'update' | 'delete' | 'shuffle',
  id: string | undefined,
  tagType: 'tag' | 'tag_group' | undefined,
): string {
  return buildXml({
    ...systemEvent(corpid, nowMs, 'change_external_tag'),
    Id: id,
    TagType: changeType === 'shuffle' ? undefined : tagType,
    ChangeType: changeType,
  })
}

/** change_external_chat (create / update / dismiss), for receivers that dispatch on it. */
export function externalChatEventXml(
  corpid: string,
  nowMs: number,
  changeType: 'create' | 'update' | 'dismiss',
  chatId: string,
  extra: XmlFields = {},
): string {
  return buildXml({
    ...systemEvent(corpid, nowMs, 'change_external_chat'),
    ChatId: chatId,
    ChangeType: changeType,
    ...extra,
  })
}

/** A member's text message to an app. */
export function textMessageXml(corpid: string, nowMs: number, fromUserid: string, content: string, msgId: number, agentid: number): string {
  return buildXml({
    ToUserName: corpid,
    FromUserName: fromUserid,
    CreateTime: Math.floor(nowMs / 1000),
    MsgType: 'text',
    Content: content,
    MsgId: msgId,
    AgentID: agentid,
  })
}

function withQuery(url: string, params: Record<string, string>): string {
  const u = new URL(url)
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v)
  return u.toString()
}

export interface CallbackSenderOptions {
  clock: Clock
  log: CappedLog<Delivery>
  timeoutMs: number
  retryDelayMs: number
}

export class CallbackSender {
  private seq = 0
  private inflight = new Set<AbortController>()
  private closed = false

  constructor(private readonly opts: CallbackSenderOptions) {}

  /**
   * Encrypts once, then POSTs the identical envelope up to 3 times (a retry is not a new event:
   * same plaintext, ciphertext, timestamp, nonce and signature). `done` settles when delivery ends.
   */
  deliver(
    corp: CorpState,
    plaintext: string,
    kind: string,
    agentid: number | undefined,
  ): { delivery: Delivery; done: Promise<Delivery> } | null {
    const cb = corp.callback
    if (!cb) return null
    const nowMs = this.opts.clock.now()
    const encrypt = encryptMessage(cb.encodingAesKey, plaintext, corp.corpid)
    const timestamp = String(Math.floor(nowMs / 1000))
    const nonce = randomNonce()
    const signature = msgSignature(cb.token, timestamp, nonce, encrypt)
    const url = withQuery(cb.url, { msg_signature: signature, timestamp, nonce })
    const body = buildXml({ ToUserName: corp.corpid, AgentID: agentid === undefined ? '' : String(agentid), Encrypt: encrypt })
    const delivery: Delivery = {
      id: ++this.seq,
      corpid: corp.corpid,
      kind,
      url,
      created_at: nowMs,
      plaintext,
      encrypt,
      attempts: [],
      status: 'pending',
    }
    this.opts.log.push(delivery)
    return { delivery, done: this.run(delivery, body) }
  }

  /**
   * An Official Account event in safe mode: encrypted for the AppID, the URL carrying signature, openid,
   * encrypt_type=aes and msg_signature, the body only ToUserName (the gh_ id) and Encrypt. Same 3 tries.
   */
  deliverOa(
    account: { appid: string; ghId: string; callback: CallbackConfig | null },
    plaintext: string,
    kind: string,
    openid: string,
  ): { delivery: Delivery; done: Promise<Delivery> } | null {
    const cb = account.callback
    if (!cb) return null
    const nowMs = this.opts.clock.now()
    const encrypt = encryptMessage(cb.encodingAesKey, plaintext, account.appid)
    const timestamp = String(Math.floor(nowMs / 1000))
    const nonce = randomNonce()
    const url = withQuery(cb.url, {
      signature: plainSignature(cb.token, timestamp, nonce),
      timestamp,
      nonce,
      openid,
      encrypt_type: 'aes',
      msg_signature: msgSignature(cb.token, timestamp, nonce, encrypt),
    })
    const body = buildXml({ ToUserName: account.ghId, Encrypt: encrypt })
    const delivery: Delivery = {
      id: ++this.seq,
      corpid: account.appid,
      kind,
      url,
      created_at: nowMs,
      plaintext,
      encrypt,
      attempts: [],
      status: 'pending',
    }
    this.opts.log.push(delivery)
    return { delivery, done: this.run(delivery, body) }
  }

  private async run(delivery: Delivery, body: string): Promise<Delivery> {
    for (let attempt = 1; attempt <= CALLBACK_ATTEMPTS; attempt++) {
      if (this.closed) {
        delivery.attempts.push({ attempt, started_at: Date.now(), status: null, ms: 0, error: 'sandbox closed' })
        break
      }
      const result = await this.request(delivery.url, { method: 'POST', body, headers: { 'content-type': 'text/xml; charset=utf-8' } })
      delivery.attempts.push({ attempt, started_at: result.startedAt, status: result.status, ms: result.ms, error: result.error })
      if (result.status === 200 && !result.error) {
        delivery.status = 'delivered'
        return delivery
      }
      if (attempt < CALLBACK_ATTEMPTS && this.opts.retryDelayMs > 0) await this.sleep(this.opts.retryDelayMs)
    }
    delivery.status = 'failed'
    return delivery
  }

  /** URL verification: GET with an encrypted echostr; the receiver must answer with the bare plaintext. */
  async verifyUrl(corp: CorpState): Promise<VerifyUrlResult | null> {
    const cb = corp.callback
    if (!cb) return null
    const expected = String(randomBytes(8).readBigUInt64BE(0))
    const echostr = encryptMessage(cb.encodingAesKey, expected, corp.corpid)
    const timestamp = String(Math.floor(this.opts.clock.now() / 1000))
    const nonce = randomNonce()
    const url = withQuery(cb.url, { msg_signature: msgSignature(cb.token, timestamp, nonce, echostr), timestamp, nonce, echostr })
    const r = await this.request(url, { method: 'GET' })
    return {
      ok: r.status === 200 && !r.error && r.body === expected,
      url,
      status: r.status,
      expected,
      body: r.body,
      ms: r.ms,
      error: r.error ?? (r.status === 200 && r.body !== expected ? 'answer is not the decrypted echostr' : undefined),
    }
  }

  /** Aborts deliveries in flight; their remaining attempts are recorded as failed. */
  async close(): Promise<void> {
    this.closed = true
    for (const c of this.inflight) c.abort(new Error('sandbox closed'))
    this.inflight.clear()
  }

  private async request(url: string, init: { method: string; body?: string; headers?: Record<string, string> }) {
    const startedAt = Date.now()
    const t0 = performance.now()
    const controller = new AbortController()
    this.inflight.add(controller)
    const timer = setTimeout(() => controller.abort(new Error(`no answer within ${this.opts.timeoutMs} ms`)), this.opts.timeoutMs)
    try {
      const res = await fetch(url, { ...init, signal: controller.signal, redirect: 'manual' })
      // The answer only counts once it has fully arrived within the time limit.
      const text = await res.text()
      return {
        startedAt,
        status: res.status,
        body: text,
        ms: Math.round(performance.now() - t0),
        error: res.status === 200 ? undefined : `HTTP ${res.status}`,
      }
    } catch (err) {
      const reason = controller.signal.aborted ? (controller.signal.reason as Error)?.message : undefined
      const cause = (err as { cause?: { code?: string; message?: string } }).cause
      return {
        startedAt,
        status: null,
        body: null,
        ms: Math.round(performance.now() - t0),
        error: reason ?? cause?.code ?? cause?.message ?? (err as Error).message,
      }
    } finally {
      clearTimeout(timer)
      this.inflight.delete(controller)
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms))
  }
}
