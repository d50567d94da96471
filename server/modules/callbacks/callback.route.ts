// Raw WeCom callback route: verify, decrypt, check receiveid, strict XML, store + enqueue in one transaction, ack.
import { createHash } from 'node:crypto'
import express, { Router, type Request, type Response } from 'express'
import type { Deps } from '../../deps'
import type { Metrics } from '../../http/metrics'
import { CallbackCryptoError, decryptMessage, verifyMsgSignature } from '../../platform/crypto'
import { field, parseXml, XmlError } from '../../platform/xml'
import { CallbackCredentialCache, type CallbackCredentials } from '../wecom-config/wecom-config.repository'

/** Callbacks whose timestamp is further than this from our clock are refused (replays). */
export const CALLBACK_WINDOW_MS = 5 * 60_000
export const CALLBACK_JOB = 'wecom.callback'

class Refused extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

interface SignedQuery {
  signature: string
  timestamp: string
  nonce: string
}

function signedQuery(req: Request, deps: Deps): SignedQuery {
  const q = req.query
  const signature = typeof q.msg_signature === 'string' ? q.msg_signature : ''
  const timestamp = typeof q.timestamp === 'string' ? q.timestamp : ''
  const nonce = typeof q.nonce === 'string' ? q.nonce : ''
  if (!signature || !/^\d{1,12}$/.test(timestamp) || !nonce) throw new Refused(400, 'missing msg_signature, timestamp or nonce')
  if (Math.abs(deps.clock.now() - Number(timestamp) * 1000) > CALLBACK_WINDOW_MS) throw new Refused(403, 'timestamp outside the accepted window')
  return { signature, timestamp, nonce }
}

/** Signature first, then decrypt: a wrong key decrypts to garbage instead of failing. */
function open(creds: CallbackCredentials, q: SignedQuery, encrypted: string): string {
  if (!verifyMsgSignature(creds.token, q.timestamp, q.nonce, encrypted, q.signature)) throw new Refused(403, 'bad msg_signature')
  try {
    return decryptMessage(creds.encodingAesKey, encrypted, creds.corpId).message
  } catch (err) {
    if (err instanceof CallbackCryptoError) throw new Refused(403, err.message)
    throw err
  }
}

export function createWecomCallbackRouter(deps: Deps, metrics?: Metrics): Router {
  const creds = new CallbackCredentialCache(deps.db, deps.secrets, () => deps.clock.now())
  const router = Router()
  const count = (result: string) => metrics?.callbacks.inc({ source: 'wecom', result })

  const refuse = (res: Response, err: unknown, key: string) => {
    if (err instanceof Refused || err instanceof XmlError) {
      const status = err instanceof Refused ? err.status : 400
      count(`refused_${status}`)
      deps.log.warn({ key: key.slice(0, 8), status, reason: err.message }, 'wecom callback refused')
      res.status(status).type('text/plain').send(status === 404 ? 'unknown callback' : 'refused')
      return
    }
    // Our own failure before the event was stored: a non-200 makes WeCom retry, so nothing is lost.
    count('error')
    deps.log.error({ err }, 'wecom callback failed before it was stored')
    res.status(500).type('text/plain').send('error')
  }

  router.get('/api/wework/callback/:key', async (req, res) => {
    const key = req.params.key
    try {
      const c = await creds.get(key)
      if (!c) throw new Refused(404, 'unknown callback key')
      const q = signedQuery(req, deps)
      const echostr = typeof req.query.echostr === 'string' ? req.query.echostr : ''
      if (!echostr) throw new Refused(400, 'missing echostr')
      // WeCom wants the bare plaintext: no quotes, no newline.
      res.type('text/plain').send(open(c, q, echostr))
      count('verified')
    } catch (err) {
      refuse(res, err, key)
    }
  })

  router.post('/api/wework/callback/:key', express.text({ type: () => true, limit: '1mb' }), async (req, res) => {
    const key = req.params.key
    try {
      const c = await creds.get(key)
      if (!c) throw new Refused(404, 'unknown callback key')
      const q = signedQuery(req, deps)
      const body = typeof req.body === 'string' ? req.body : ''
      const envelope = parseXml(body)
      const encrypted = field(envelope, 'Encrypt')
      if (!encrypted) throw new Refused(400, 'no Encrypt element')
      const plaintext = open(c, q, encrypted)
      const doc = parseXml(plaintext)
      const msgType = field(doc, 'MsgType')
      if (!msgType) throw new Refused(400, 'no MsgType in the message')
      const created = await storeEvent(deps, c.orgId, plaintext, doc as Record<string, unknown>)
      count(created ? 'stored' : 'duplicate')
      res.type('text/plain').send('success')
    } catch (err) {
      refuse(res, err, key)
    }
  })

  // A body over the limit or unreadable: refused before anything is stored.
  router.use('/api/wework/callback', (err: Error & { status?: number }, _req: Request, res: Response, next: (e?: unknown) => void) => {
    if (!err.status) return next(err)
    count(`refused_${err.status}`)
    res.status(err.status).type('text/plain').send('refused')
  })
  return router
}

const str = (v: unknown) => (typeof v === 'string' ? v : '')

/** Stores the event and its processing job in one transaction; false when WeCom re-sent one we already have. */
export async function storeEvent(deps: Deps, orgId: number, plaintext: string, doc: Record<string, unknown>): Promise<boolean> {
  const dedupeKey = createHash('sha256').update(plaintext).digest('hex')
  const now = deps.clock.now()
  const createTime = Number(str(doc.CreateTime)) * 1000 || now
  return deps.db.transaction().execute(async (trx) => {
    const res = await trx
      .insertInto('callback_events')
      .values({
        org_id: orgId,
        source: 'wecom',
        dedupe_key: dedupeKey,
        msg_type: str(doc.MsgType).slice(0, 32),
        event: str(doc.Event).slice(0, 64),
        change_type: str(doc.ChangeType).slice(0, 64),
        userid: (str(doc.UserID) || (str(doc.MsgType) !== 'event' ? str(doc.FromUserName) : '')).slice(0, 64) || null,
        external_userid: str(doc.ExternalUserID).slice(0, 64) || null,
        plaintext,
        create_time: createTime,
        received_at: now,
        status: 'pending',
        processed_at: null,
        error: null,
      })
      .ignore()
      .executeTakeFirst()
    const eventId = Number(res.insertId ?? 0)
    if (Number(res.numInsertedOrUpdatedRows ?? 0) === 0 || !eventId) return false
    await deps.queue.enqueue(trx, CALLBACK_JOB, { eventId }, { orgId, dedupeKey: `cb:${dedupeKey}` })
    return true
  })
}
