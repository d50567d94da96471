// Events ingest over HTTP: signature, window, key state, size caps, per-event validation, idempotency (sequential and concurrent), each event queued once (in batched jobs), OpenAPI.
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Express } from 'express'
import { createApp } from '../../app'
import type { DbHandle } from '../../db/connect'
import { createOrgWithUser, createTestDeps } from '../../testing/deps'
import { createTestDb, openSecondHandle } from '../../testing/test-db'
import { fromJson } from '../../db/dialect'
import { createApiKey } from '../api-keys/api-keys.service'
import { signIngest } from './ingest.service'
import { createIngestRouter, KeyRateLimiter } from './ingest.route'
import express from 'express'
import { purgeOldIngestEvents } from './ingest-retention'
import { NOTIFY_EVENTS_JOB, type NotifyEventsPayload } from './notify-event-job'
import type { IngestEventInput, IngestResponse } from '../../../shared/ingest-events'

const DAY_MS = 86_400_000
let handle: DbHandle
let deps: ReturnType<typeof createTestDeps>
let app: Express

beforeAll(async () => {
  handle = await createTestDb()
  deps = createTestDeps(handle)
  app = createApp({ deps })
})
afterAll(async () => handle?.close())

interface Key {
  orgId: number
  keyId: string
  secret: string
}

async function newKey(): Promise<Key> {
  const { orgId } = await createOrgWithUser(deps)
  const k = await createApiKey(deps, orgId, { name: '外呼系统' })
  return { orgId, keyId: k.keyId, secret: k.secret }
}

const nowSec = () => String(Math.floor(deps.clock.now() / 1000))

function post(key: Key, body: string | Buffer, opts: { ts?: string; sig?: string; keyId?: string } = {}) {
  const ts = opts.ts ?? nowSec()
  return request(app)
    .post('/api/ingest/events')
    .set('Content-Type', 'application/json')
    .set('X-Api-Key', opts.keyId ?? key.keyId)
    .set('X-Timestamp', ts)
    .set('X-Signature', opts.sig ?? signIngest(key.secret, ts, body))
    .send(body)
}

let seq = 0
function call(extra: Partial<IngestEventInput & { type: 'call_result' }> = {}): IngestEventInput {
  const n = ++seq
  return {
    type: 'call_result',
    idempotency_key: `call-${n}`,
    call_id: `c${n}`,
    batch_id: 'b1',
    line_id: 'L1',
    phone: '13912345678',
    customer_name: '王女士',
    script_template_id: 'T1',
    intention_level: 'A',
    result_class: 'A',
    called_at: '2026-12-01T09:30:00+08:00',
    detail_url: 'https://call.example.com/calls/1',
    ...extra,
  } as IngestEventInput
}

const body = (events: unknown[]) => JSON.stringify({ events })

/** The queued events, one entry per event, whichever notify.events job carries it. */
const jobsOf = async (orgId: number) =>
  (
    await deps.db
      .selectFrom('queue_jobs')
      .selectAll()
      .where('kind', '=', NOTIFY_EVENTS_JOB)
      .where('org_id', '=', orgId)
      .orderBy('id')
      .execute()
  ).flatMap((j) => {
    const p = fromJson<NotifyEventsPayload | null>(j.payload, null)!
    return p.events.map((e) => ({ jobId: j.id, payload: { orgId: p.orgId, ...e } }))
  })
const eventsOf = (orgId: number) => deps.db.selectFrom('ingest_events').selectAll().where('org_id', '=', orgId).orderBy('id').execute()

describe('POST /api/ingest/events', () => {
  it('accepts a signed batch of every event type: one row per event, each queued once in a notify.events job, in one answer', async () => {
    const key = await newKey()
    const events = [
      { type: 'batch_created', idempotency_key: 'b-1', batch_id: 'b1', total: 2, created_at: '2026-12-01T09:00:00+08:00' },
      call(),
      call({ result_class: 'F', intention_level: null, customer_name: undefined, detail_url: undefined }),
      { type: 'balance', idempotency_key: 'bal-1', balance: 88.5, at: '2026-12-01T01:00:00Z' },
      { type: 'recharge', idempotency_key: 'rc-1', amount: 500, balance: 588.5, at: '2026-12-01T01:05:00Z' },
      { type: 'account', idempotency_key: 'acc-1', expires_at: '2026-12-05T00:00:00+08:00' },
    ]
    const res = await post(key, body(events))
    expect(res.status).toBe(200)
    const out = res.body as IngestResponse
    expect(out.rejected).toEqual([])
    expect(out.accepted.map((a) => [a.index, a.idempotency_key, a.status, a.replayed])).toEqual(
      events.map((e, i) => [i, e.idempotency_key, 'accepted', false]),
    )
    expect(out.accepted[0].received_at).toBe(new Date(deps.clock.now()).toISOString())

    const rows = await eventsOf(key.orgId)
    const byId = new Map(rows.map((r) => [r.id, r]))
    expect(rows).toHaveLength(6)
    expect(out.accepted.map((a) => [byId.get(a.event_id)?.type, byId.get(a.event_id)?.idempotency_key])).toEqual(
      events.map((e) => [e.type, e.idempotency_key]),
    )
    const jobs = await jobsOf(key.orgId)
    expect(jobs).toHaveLength(6)
    expect(jobs.map((j) => j.payload.eventId).sort()).toEqual(rows.map((r) => r.id).sort())
    const f = jobs.find((j) => j.payload.event.idempotency_key === events[2].idempotency_key)!
    // The job carries the validated event with defaults filled in.
    expect(f.payload).toMatchObject({
      orgId: key.orgId,
      event: { type: 'call_result', result_class: 'F', intention_level: null, customer_name: '', detail_url: null },
    })
    expect(JSON.parse(byId.get(f.payload.eventId)!.payload)).toEqual(f.payload.event)
    const k = await deps.db.selectFrom('api_keys').select('last_used_at').where('key_id', '=', key.keyId).executeTakeFirstOrThrow()
    expect(Number(k.last_used_at)).toBe(deps.clock.now())
  })

  it('refuses a bad signature, an unknown or revoked key and missing headers with 401 and a Chinese reason, storing nothing', async () => {
    const key = await newKey()
    const b = body([call()])
    const cases: [ReturnType<typeof post>, string][] = [
      [post(key, b, { sig: signIngest('wrong-secret', nowSec(), b) }), 'bad_signature'],
      [post(key, b, { sig: 'abc' }), 'bad_signature'],
      // Signed over other bytes than were sent (a proxy re-encoding the JSON).
      [post(key, b, { sig: signIngest(key.secret, nowSec(), b.replace('王女士', '王先生')) }), 'bad_signature'],
      [post(key, b, { keyId: 'ak_doesnotexist' }), 'bad_key'],
      [request(app).post('/api/ingest/events').set('Content-Type', 'application/json').send(b), 'missing_headers'],
    ]
    for (const [req, code] of cases) {
      const res = await req
      expect(res.status, code).toBe(401)
      expect(res.body.error.code).toBe(code)
      expect(res.body.error.message).toMatch(/[\u4e00-\u9fa5]/)
    }
    await deps.db.updateTable('api_keys').set({ revoked_at: deps.clock.now() }).where('key_id', '=', key.keyId).execute()
    const revoked = await post(key, b)
    expect([revoked.status, revoked.body.error.code]).toEqual([401, 'key_revoked'])
    expect(await eventsOf(key.orgId)).toEqual([])
    expect(await jobsOf(key.orgId)).toEqual([])
  })

  it('accepts a timestamp up to 5 minutes off either way and refuses one beyond', async () => {
    const key = await newKey()
    const now = Math.floor(deps.clock.now() / 1000)
    for (const [ts, status] of [
      [now - 300, 200],
      [now + 300, 200],
      [now - 301, 401],
      [now + 301, 401],
    ] as const) {
      const res = await post(key, body([call()]), { ts: String(ts) })
      expect(res.status, String(ts - now)).toBe(status)
      if (status === 401) expect(res.body.error).toMatchObject({ code: 'timestamp_window', message: expect.stringContaining('5 分钟') })
    }
    const ms = await post(key, body([call()]), { ts: String(deps.clock.now()) })
    expect([ms.status, ms.body.error.code]).toEqual([401, 'timestamp_window'])
    expect(await eventsOf(key.orgId)).toHaveLength(2)
  })

  it('refuses more than 1 000 events or more than the byte cap with 413, and non-JSON with 400', async () => {
    const key = await newKey()
    const tooMany = await post(key, body(Array.from({ length: 1001 }, () => call())))
    expect([tooMany.status, tooMany.body.error.code]).toEqual([413, 'too_large'])
    expect(tooMany.body.error.message).toContain('1000')
    const huge = body([call({ customer_name: 'x'.repeat(2 * 1024 * 1024) })])
    const big = await post(key, huge)
    expect([big.status, big.body.error.code]).toEqual([413, 'too_large'])
    const junk = await post(key, '{not json')
    expect([junk.status, junk.body.error.code]).toEqual([400, 'bad_body'])
    const empty = await post(key, body([]))
    expect([empty.status, empty.body.error.code]).toEqual([400, 'bad_body'])
    expect(await eventsOf(key.orgId)).toEqual([])
    // Exactly 1 000 is fine.
    const max = await post(key, body(Array.from({ length: 1000 }, () => call())))
    expect([max.status, max.body.accepted.length]).toEqual([200, 1000])
    expect(await jobsOf(key.orgId)).toHaveLength(1000)
  })

  it('validates each event on its own: valid ones are accepted, each invalid one is reported with its index, key and fields', async () => {
    const key = await newKey()
    const good = call()
    const res = await post(
      key,
      body([
        call({ intention_level: 'Z' as never, called_at: '2026-12-01 09:30:00' }),
        good,
        { type: 'unknown', idempotency_key: 'u-1' },
        { type: 'balance', idempotency_key: 'x'.repeat(129), balance: 1, at: '2026-12-01T01:00:00Z' },
        'not an object',
        { type: 'recharge', idempotency_key: 'r-neg', amount: -5, balance: 1.234, at: '2026-12-01T01:00:00Z' },
      ]),
    )
    expect(res.status).toBe(200)
    const out = res.body as IngestResponse
    expect(out.accepted.map((a) => [a.index, a.idempotency_key])).toEqual([[1, good.idempotency_key]])
    expect(out.rejected.map((r) => r.index)).toEqual([0, 2, 3, 4, 5])
    const r0 = out.rejected[0]
    expect(r0.idempotency_key).toBe(`call-${seq}`)
    expect(r0.errors.map((e) => e.path).sort()).toEqual(['called_at', 'intention_level'])
    expect(r0.errors.find((e) => e.path === 'called_at')!.message).toContain('ISO 8601')
    expect(out.rejected[1]).toMatchObject({ idempotency_key: 'u-1', errors: [{ path: 'type' }] })
    expect(out.rejected[2].errors[0].path).toBe('idempotency_key')
    expect(out.rejected[3]).toMatchObject({ idempotency_key: null })
    expect(out.rejected[4].errors.map((e) => e.message)).toEqual(expect.arrayContaining(['充值金额须大于 0', '金额最多两位小数']))
    expect((await eventsOf(key.orgId)).map((r) => r.idempotency_key)).toEqual([good.idempotency_key])
    expect(await jobsOf(key.orgId)).toHaveLength(1)
  })

  it('a replay returns the first result and changes nothing; the same key twice in one batch is one event; other orgs keep their own keys', async () => {
    const key = await newKey()
    const events = [call(), call()]
    const first = (await post(key, body(events))).body as IngestResponse
    deps.clock.advance(60_000)
    // Same keys, different content: still the first event, not an update.
    const again = (
      await post(key, body([{ ...events[1], phone: '13000000000' }, events[0], call({ idempotency_key: events[0].idempotency_key })]))
    ).body as IngestResponse
    expect(again.accepted.map((a) => [a.event_id, a.received_at, a.replayed])).toEqual([
      [first.accepted[1].event_id, first.accepted[1].received_at, true],
      [first.accepted[0].event_id, first.accepted[0].received_at, true],
      [first.accepted[0].event_id, first.accepted[0].received_at, true],
    ])
    const rows = await eventsOf(key.orgId)
    expect(rows).toHaveLength(2)
    expect(rows.map((r) => JSON.parse(r.payload).phone)).toEqual(['13912345678', '13912345678'])
    expect(await jobsOf(key.orgId)).toHaveLength(2)

    const dup = (await post(key, body([call({ idempotency_key: 'same' }), call({ idempotency_key: 'same' })]))).body as IngestResponse
    expect(dup.accepted.map((a) => a.replayed)).toEqual([false, true])
    expect(dup.accepted[0].event_id).toBe(dup.accepted[1].event_id)

    // Keys are exact: case makes another key on both engines; spaces (which MySQL would pad away) are refused.
    const exact = (
      await post(key, body([call({ idempotency_key: 'Key' }), call({ idempotency_key: 'key' }), call({ idempotency_key: 'key ' })]))
    ).body as IngestResponse
    expect(exact.accepted.map((a) => a.replayed)).toEqual([false, false])
    expect(new Set(exact.accepted.map((a) => a.event_id)).size).toBe(2)
    expect(exact.rejected).toMatchObject([{ index: 2, idempotency_key: 'key ', errors: [{ path: 'idempotency_key' }] }])

    const other = await newKey()
    const theirs = (await post(other, body([events[0]]))).body as IngestResponse
    expect(theirs.accepted[0].replayed).toBe(false)
    expect(theirs.accepted[0].event_id).not.toBe(first.accepted[0].event_id)
    expect(await jobsOf(other.orgId)).toHaveLength(1)
  })

  it('concurrent identical requests store each event once and queue each once', async () => {
    const key = await newKey()
    const events = Array.from({ length: 50 }, () => call())
    const b = body(events)
    const results = await Promise.all(Array.from({ length: 6 }, () => post(key, b)))
    for (const r of results) expect(r.status).toBe(200)
    const answers = results.map((r) => r.body as IngestResponse)
    // Everyone got the same ids; for each event exactly one request was the one that stored it.
    for (let i = 0; i < events.length; i++) {
      expect(new Set(answers.map((a) => a.accepted[i].event_id)).size).toBe(1)
      expect(answers.filter((a) => !a.accepted[i].replayed)).toHaveLength(1)
    }
    expect(await eventsOf(key.orgId)).toHaveLength(50)
    const jobs = await jobsOf(key.orgId)
    expect(jobs).toHaveLength(50)
    expect(new Set(jobs.map((j) => j.payload.eventId)).size).toBe(50)
  })
})

describe('ingest rate limit and OpenAPI', () => {
  it('KeyRateLimiter lets a burst through per key, then asks to wait, and refills over time', () => {
    let t = 0
    const l = new KeyRateLimiter(() => t, { perSecond: 2, burst: 3 })
    expect([l.take('a'), l.take('a'), l.take('a')]).toEqual([0, 0, 0])
    expect(l.take('a')).toBe(1)
    expect(l.take('b')).toBe(0)
    t += 500
    expect(l.take('a')).toBe(0)
    expect(l.take('a')).toBeGreaterThan(0)
  })

  it('answers 429 with Retry-After once a key exceeds its rate, while another key still goes through', async () => {
    const limited = express().use(createIngestRouter(deps, { rate: { perSecond: 1, burst: 2 } }))
    const [a, b] = [await newKey(), await newKey()]
    const send = (key: Key) => {
      const b2 = body([call()])
      const ts = nowSec()
      return request(limited)
        .post('/api/ingest/events')
        .set('Content-Type', 'application/json')
        .set('X-Api-Key', key.keyId)
        .set('X-Timestamp', ts)
        .set('X-Signature', signIngest(key.secret, ts, b2))
        .send(b2)
    }
    expect((await send(a)).status).toBe(200)
    expect((await send(a)).status).toBe(200)
    const third = await send(a)
    expect([third.status, third.body.error.code, third.headers['retry-after']]).toEqual([429, 'rate_limited', '1'])
    expect((await send(b)).status).toBe(200)
    expect(await eventsOf(a.orgId)).toHaveLength(2)
    deps.clock.advance(1000)
    expect((await send(a)).status).toBe(200)
  })

  it.skipIf(process.env.TEST_DB !== 'mysql')('counts a key across instances: two servers on one database share its budget', async () => {
    const second = await openSecondHandle(handle)
    try {
      // A window of 200 s, so a slow machine cannot let the third request slip into the next one.
      const rate = { perSecond: 0.01, burst: 2 }
      const store = (h: DbHandle) => ({ kind: 'mysql' as const, pool: h.mysql!.pool, database: h.mysql!.database })
      const one = express().use(createIngestRouter({ ...deps, rateStore: store(handle) }, { rate }))
      const other = createTestDeps(second, { clock: deps.clock, config: deps.config })
      const two = express().use(createIngestRouter({ ...other, rateStore: store(second) }, { rate }))
      const key = await newKey()
      const send = (server: express.Express) => {
        const b = body([call()])
        const ts = nowSec()
        return request(server)
          .post('/api/ingest/events')
          .set('Content-Type', 'application/json')
          .set('X-Api-Key', key.keyId)
          .set('X-Timestamp', ts)
          .set('X-Signature', signIngest(key.secret, ts, b))
          .send(b)
      }
      expect((await send(one)).status).toBe(200)
      expect((await send(two)).status).toBe(200)
      // Each instance alone has taken one request of its burst of 2; together they have spent the key's budget.
      const third = await send(one)
      expect([third.status, third.body.error.code]).toEqual([429, 'rate_limited'])
      expect(Number(third.headers['retry-after'])).toBeGreaterThan(0)
      expect((await send(two)).status).toBe(429)
      expect(await eventsOf(key.orgId)).toHaveLength(2)
    } finally {
      await second.close()
    }
  })

  it('serves an OpenAPI 3.1 document generated from the event schemas', async () => {
    const res = await request(app).get('/api/ingest/openapi.json')
    expect(res.status).toBe(200)
    expect(res.body.openapi).toBe('3.1.0')
    expect(res.body.paths['/api/ingest/events'].post.responses).toHaveProperty('401')
    const call = res.body.components.schemas.CallResultEvent
    expect(call.properties.type.const).toBe('call_result')
    expect(call.properties.result_class.enum).toEqual(['A', 'B', 'C', 'D', 'E', 'F', 'W'])
    expect(call.required).toEqual(expect.arrayContaining(['idempotency_key', 'call_id', 'phone', 'called_at']))
    const items = res.body.components.schemas.IngestBody.properties.events
    expect(items.maxItems).toBe(1000)
    expect(items.items.oneOf.map((s: { properties: { type: { const: string } } }) => s.properties.type.const)).toEqual([
      'call_result',
      'batch_created',
      'balance',
      'recharge',
      'account',
    ])
  })
})

// Last in the file: it moves the shared clock forward by months.
describe('ingest retention', () => {
  it('the daily purge drops events past 90 days (a late repeat is new again) and keeps the recent ones with their answers', async () => {
    const key = await newKey()
    const old = call()
    expect((await post(key, body([old]))).status).toBe(200)
    deps.clock.advance(89 * DAY_MS)
    const recent = call()
    expect((await post(key, body([recent]))).status).toBe(200)
    deps.clock.advance(2 * DAY_MS)
    expect(await purgeOldIngestEvents(deps)).toBeGreaterThanOrEqual(1)
    expect((await eventsOf(key.orgId)).map((e) => e.idempotency_key)).toEqual([recent.idempotency_key])
    const again = (await post(key, body([old, recent]))).body as IngestResponse
    expect(again.accepted.map((a) => [a.idempotency_key, a.replayed])).toEqual([
      [old.idempotency_key, false],
      [recent.idempotency_key, true],
    ])
  })
})
