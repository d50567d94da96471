// Events ingest: authenticates a signed request by API key, validates each event on its own, stores new ones and queues their notification once.
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto'
import type { Deps } from '../../deps'
import { writeTransaction } from '../../db/transaction'
import {
  INGEST_MAX_EVENTS,
  INGEST_WINDOW_SECONDS,
  ingestBody,
  ingestEvent,
  type IngestAccepted,
  type IngestErrorCode,
  type IngestEvent,
  type IngestRejected,
  type IngestResponse,
} from '../../../shared/ingest-events'
import { findApiKeyByKeyId, touchApiKey } from '../api-keys/api-keys.repository'
import { findIngestEventsByKeys, insertIngestEventsIfAbsent } from './ingest.repository'
import { NOTIFY_EVENTS_JOB, NOTIFY_EVENTS_PER_JOB, notifyEventsDedupeKey, type NotifyEventsPayload } from './notify-event-job'

/** A request refused as a whole: HTTP status, a stable code for the sender's program and a Chinese message for its operator. */
export class IngestRefused extends Error {
  override name = 'IngestRefused'
  constructor(
    readonly status: number,
    readonly code: IngestErrorCode,
    message: string,
    readonly retryAfterSec?: number,
  ) {
    super(message)
  }
}

export interface SignedRequest {
  keyId: string | undefined
  timestamp: string | undefined
  signature: string | undefined
  rawBody: Buffer
}

/** hex HMAC-SHA256(secret, `${timestamp}.${rawBody}`): what the sender puts in X-Signature. */
export function signIngest(secret: string, timestamp: string, rawBody: Buffer | string): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex')
}

function signatureMatches(expectedHex: string, givenHex: string): boolean {
  if (!/^[0-9a-fA-F]{64}$/.test(givenHex)) return false
  // Same length by construction, so timingSafeEqual compares in constant time.
  return timingSafeEqual(Buffer.from(expectedHex, 'hex'), Buffer.from(givenHex, 'hex'))
}

/** Checks key, window and signature; returns the key's org. Every refusal is a 401 that tells the operator what to fix. */
export async function authenticate(deps: Deps, req: SignedRequest): Promise<{ orgId: number; apiKeyId: number; keyId: string }> {
  const { keyId, timestamp, signature } = req
  if (!keyId || !timestamp || !signature) {
    throw new IngestRefused(401, 'missing_headers', '缺少认证请求头：请同时提供 X-Api-Key、X-Timestamp（秒）和 X-Signature')
  }
  if (!/^\d{1,12}$/.test(timestamp)) throw new IngestRefused(401, 'timestamp_window', 'X-Timestamp 须为 Unix 时间戳（秒，整数）')
  const skew = Math.abs(Math.floor(deps.clock.now() / 1000) - Number(timestamp))
  if (skew > INGEST_WINDOW_SECONDS) {
    throw new IngestRefused(
      401,
      'timestamp_window',
      `请求时间戳与服务器时间相差 ${skew} 秒，超过 ${INGEST_WINDOW_SECONDS / 60} 分钟：请校准发送方时钟并用当前时间重新签名`,
    )
  }
  const key = await findApiKeyByKeyId(deps.db, keyId.slice(0, 40))
  if (!key) throw new IngestRefused(401, 'bad_key', 'API 密钥不存在：请在后台「API 密钥」页面核对 X-Api-Key')
  if (key.revoked_at !== null) throw new IngestRefused(401, 'key_revoked', 'API 密钥已被吊销：请在后台「API 密钥」页面创建新密钥')
  const expected = signIngest(deps.secrets.open(key.secret_sealed), timestamp, req.rawBody)
  if (!signatureMatches(expected, signature)) {
    throw new IngestRefused(
      401,
      'bad_signature',
      '签名校验失败：X-Signature 应为 HMAC-SHA256(密钥, "<X-Timestamp>.<原始请求体>") 的十六进制小写结果，请确认签名用的正是发送的原始字节',
    )
  }
  return { orgId: key.org_id, apiKeyId: key.id, keyId: key.key_id }
}

function parseEnvelope(rawBody: Buffer): unknown[] {
  let parsed: unknown
  try {
    parsed = JSON.parse(rawBody.toString('utf8'))
  } catch {
    throw new IngestRefused(400, 'bad_body', '请求体不是合法的 JSON：应为 {"events": [...]}，Content-Type: application/json')
  }
  const env = ingestBody.safeParse(parsed)
  if (env.success) return env.data.events
  const tooMany =
    Array.isArray((parsed as { events?: unknown } | null)?.events) && (parsed as { events: unknown[] }).events.length > INGEST_MAX_EVENTS
  if (tooMany) throw new IngestRefused(413, 'too_large', `一次最多提交 ${INGEST_MAX_EVENTS} 条事件，请拆分后分批提交`)
  throw new IngestRefused(
    400,
    'bad_body',
    `请求体应为 {"events": [...]}，至少包含一条事件：${env.error.issues.map((i) => i.message).join('；')}`,
  )
}

interface StoredResult {
  status: 'accepted'
  received_at: string
}

/**
 * Stores the valid events and queues their notification (notify.events jobs of up to 100 newly stored events), in one transaction. INSERT IGNORE on
 * the (org, key) unique key decides races: a concurrent identical request waits on the first one's key, then finds
 * the row stored by the other request id and only reports it.
 */
async function store(
  deps: Deps,
  orgId: number,
  apiKeyId: number,
  valid: { index: number; event: IngestEvent }[],
): Promise<IngestAccepted[]> {
  if (valid.length === 0) return []
  const requestId = randomUUID()
  const now = deps.clock.now()
  const result: StoredResult = { status: 'accepted', received_at: new Date(now).toISOString() }
  const firstOf = new Map<string, IngestEvent>()
  for (const v of valid) if (!firstOf.has(v.event.idempotency_key)) firstOf.set(v.event.idempotency_key, v.event)
  // Sorted, so two requests sharing keys lock them in the same order instead of deadlocking.
  const keys = [...firstOf.keys()].sort()
  const resultJson = JSON.stringify(result)

  const stored = await writeTransaction(deps.db, async (trx) => {
    await insertIngestEventsIfAbsent(
      trx,
      keys.map((k) => ({
        org_id: orgId,
        api_key_id: apiKeyId,
        idempotency_key: k,
        type: firstOf.get(k)!.type,
        payload: JSON.stringify(firstOf.get(k)),
        received_at: now,
        result: resultJson,
        request_id: requestId,
      })),
    )
    const rows = await findIngestEventsByKeys(trx, orgId, keys)
    const mine = rows.filter((r) => r.request_id === requestId).sort((a, b) => a.id - b.id)
    const jobs = []
    for (let i = 0; i < mine.length; i += NOTIFY_EVENTS_PER_JOB) {
      const chunk = mine.slice(i, i + NOTIFY_EVENTS_PER_JOB)
      jobs.push({
        kind: NOTIFY_EVENTS_JOB,
        payload: {
          orgId,
          events: chunk.map((r) => ({ eventId: r.id, event: firstOf.get(r.idempotency_key)! })),
        } satisfies NotifyEventsPayload,
        opts: { orgId, dedupeKey: notifyEventsDedupeKey(chunk[0].id) },
      })
    }
    await deps.queue.enqueueMany(trx, jobs)
    return new Map(rows.map((r) => [r.idempotency_key, r]))
  })

  const answered = new Set<string>()
  return valid.map(({ index, event }) => {
    const row = stored.get(event.idempotency_key)
    if (!row) throw new Error(`ingest event ${event.idempotency_key} not found after insert`)
    const first = JSON.parse(row.result) as StoredResult
    const replayed = row.request_id !== requestId || answered.has(event.idempotency_key)
    answered.add(event.idempotency_key)
    return {
      index,
      idempotency_key: event.idempotency_key,
      status: first.status,
      event_id: row.id,
      received_at: first.received_at,
      replayed,
    }
  })
}

function rejection(index: number, raw: unknown, issues: { path: PropertyKey[]; message: string }[]): IngestRejected {
  const key = (raw as { idempotency_key?: unknown } | null)?.idempotency_key
  return {
    index,
    idempotency_key: typeof key === 'string' ? key.slice(0, 128) : null,
    errors: issues.map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message })),
  }
}

/** The whole request: authenticated, then each event on its own; valid ones are accepted even when others are not. */
export async function ingestRequest(deps: Deps, req: SignedRequest): Promise<IngestResponse> {
  return ingestAuthenticated(deps, await authenticate(deps, req), req.rawBody)
}

/** A request whose key and signature were checked (the route rate-limits between the two steps). */
export async function ingestAuthenticated(deps: Deps, auth: { orgId: number; apiKeyId: number }, rawBody: Buffer): Promise<IngestResponse> {
  const { orgId, apiKeyId } = auth
  const events = parseEnvelope(rawBody)
  const valid: { index: number; event: IngestEvent }[] = []
  const rejected: IngestRejected[] = []
  events.forEach((raw, index) => {
    const r = ingestEvent.safeParse(raw)
    if (r.success) valid.push({ index, event: r.data })
    else rejected.push(rejection(index, raw, r.error.issues))
  })
  const accepted = await store(deps, orgId, apiKeyId, valid)
  await touchApiKey(deps.db, apiKeyId, deps.clock.now())
  return { accepted, rejected }
}
