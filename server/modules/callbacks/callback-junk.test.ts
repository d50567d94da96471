// The callback route under junk: bounded credential cache, no lookup for impossible keys, a 64 KB body cap on both transports, aggregated refusal lines.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { pino } from 'pino'
import request from 'supertest'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createApp } from '../../app'
import type { DbHandle } from '../../db/connect'
import { withFastPaths } from '../../http/fast-path'
import { ManualClock } from '../../lib/clock'
import { encryptMessage, generateEncodingAesKey, msgSignature } from '../../platform/crypto'
import { buildXml } from '../../platform/xml'
import { createOrgWithUser, createTestDeps } from '../../testing/deps'
import { createTestDb, countRows } from '../../testing/test-db'
import { CALLBACK_CACHE_MAX } from '../wecom-config/callback-credentials'
import { findConfigByOrg } from '../wecom-config/wecom-config.repository'
import { saveConfig } from '../wecom-config/wecom-config.service'
import { CALLBACK_BODY_LIMIT_BYTES, WecomCallbackReceiver } from './callback.route'

const CORP = 'wwjunk00000000001'
const TOKEN = 'JunkTestToken1'
const AES = generateEncodingAesKey()

let handle: DbHandle
let deps: ReturnType<typeof createTestDeps>
let clock: ManualClock
let key: string
let lines: Record<string, unknown>[]

beforeEach(async () => {
  handle = await createTestDb()
  clock = new ManualClock()
  lines = []
  // Captures every line the receiver writes.
  const log = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s)) })
  deps = createTestDeps(handle, { clock, log })
  const { orgId } = await createOrgWithUser(deps)
  await saveConfig(deps, orgId, { corpId: CORP, agentId: '', contactSecret: 'unused-secret', callbackToken: TOKEN, encodingAesKey: AES })
  key = (await findConfigByOrg(deps.db, orgId))!.callback_key
})
afterEach(async () => handle.close())

const count = async () => countRows(deps.db, 'callback_events')

function sealed(extra = '') {
  const timestamp = String(Math.floor(clock.now() / 1000))
  const plaintext = buildXml({
    ToUserName: CORP,
    FromUserName: 'sys',
    CreateTime: Number(timestamp),
    MsgType: 'event',
    Event: 'change_external_chat',
    ChangeType: 'dismiss',
    ChatId: `wr${extra}`,
  })
  const enc = encryptMessage(AES, plaintext, CORP)
  return {
    query: { msg_signature: msgSignature(TOKEN, timestamp, '7', enc), timestamp, nonce: '7' },
    body: buildXml({ ToUserName: CORP, Encrypt: enc }),
  }
}

/** A validly signed envelope padded past the cap with whitespace, which XML ignores: without the cap it is accepted. */
function oversized() {
  const s = sealed('big')
  return { ...s, body: s.body.replace('</xml>', `${' '.repeat(CALLBACK_BODY_LIMIT_BYTES)}</xml>`) }
}

describe('credential cache under unknown keys', () => {
  it(`stays at most ${CALLBACK_CACHE_MAX} entries after 5 000 distinct unknown keys, and still serves the real one`, async () => {
    const receiver = new WecomCallbackReceiver(deps)
    const { query, body } = sealed()
    for (let i = 0; i < 5000; i++) {
      const a = await receiver.accept(`junk${String(i).padStart(12, '0')}`, query, body)
      expect(a.status).toBe(404)
    }
    expect(receiver.creds.size).toBeLessThanOrEqual(CALLBACK_CACHE_MAX)
    expect(await receiver.accept(key, query, body)).toEqual({ status: 200, text: 'success' })
    expect(await count()).toBe(1)
  })

  it('answers a key longer than any generated key with 404, without a database lookup or a cache entry', async () => {
    const receiver = new WecomCallbackReceiver(deps)
    const spy = vi.spyOn(deps.db, 'selectFrom')
    const { query, body } = sealed()
    expect((await receiver.accept('k'.repeat(12_000), query, body)).status).toBe(404)
    expect((await receiver.verify(`${key}x`, { ...query, echostr: 'x' })).status).toBe(404)
    expect(spy).not.toHaveBeenCalled()
    expect(receiver.creds.size).toBe(0)
    spy.mockRestore()
  })
})

describe('body cap', () => {
  let server: Server | undefined
  afterEach(async () => {
    server?.closeAllConnections()
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()))
    server = undefined
  })

  it('the Express route answers 413 over 64 KB and stores nothing', async () => {
    const app = createApp({ deps, rawRoutes: [new WecomCallbackReceiver(deps).router()] })
    const big = oversized()
    const res = await request(app).post(`/api/wework/callback/${key}`).query(big.query).set('content-type', 'text/xml').send(big.body)
    expect(res.status).toBe(413)
    expect(await count()).toBe(0)
    const ok = sealed('ok')
    expect(
      (await request(app).post(`/api/wework/callback/${key}`).query(ok.query).set('content-type', 'text/xml').send(ok.body)).text,
    ).toBe('success')
    expect(await count()).toBe(1)
  })

  it('the fast path answers 413 over 64 KB (declared or streamed) and stores nothing', async () => {
    const receiver = new WecomCallbackReceiver(deps)
    const app = createApp({ deps, rawRoutes: [receiver.router()] })
    server = createServer()
    server.on('request', withFastPaths(app, [receiver.fastPath()]))
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r))
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/wework/callback/${key}`
    const big = oversized()
    const declared = await fetch(`${base}?${new URLSearchParams(big.query)}`, {
      method: 'POST',
      body: big.body,
      headers: { 'content-type': 'text/xml' },
    })
    expect(declared.status).toBe(413)
    // Chunked, no Content-Length: the cap applies to the bytes as they arrive.
    const chunks = [big.body.slice(0, 1000), big.body.slice(1000)]
    const streamed = await fetch(`${base}?${new URLSearchParams(big.query)}`, {
      method: 'POST',
      body: new ReadableStream({ pull: (c) => void (chunks.length ? c.enqueue(new TextEncoder().encode(chunks.shift()!)) : c.close()) }),
      headers: { 'content-type': 'text/xml' },
      duplex: 'half',
    } as RequestInit)
    expect(streamed.status).toBe(413)
    expect(await count()).toBe(0)
    const ok = sealed('ok')
    const accepted = await fetch(`${base}?${new URLSearchParams(ok.query)}`, {
      method: 'POST',
      body: ok.body,
      headers: { 'content-type': 'text/xml' },
    })
    expect(await accepted.text()).toBe('success')
    expect(await count()).toBe(1)
  })
})

describe('refusal log', () => {
  it('1 000 refusals write a handful of lines carrying the total count', async () => {
    const receiver = new WecomCallbackReceiver(deps)
    const { query, body } = sealed()
    const forged = { ...query, msg_signature: '0'.repeat(40) }
    for (let i = 0; i < 1000; i++) {
      if (i % 2 === 0)
        await receiver.accept(`nokey${String(i).padStart(6, '0')}`, query, body) // 404, one prefix
      else await receiver.accept(key, forged, body) // 403
      if (i === 499) clock.advance(30_000)
    }
    // Half a minute in, nothing has been written yet; a minute after the first refusal, everything.
    const refusalLines = () => lines.filter((l) => l.msg === 'wecom callback refused')
    expect(refusalLines().length).toBeLessThanOrEqual(2)
    clock.advance(31_000)
    receiver.refusals.flush()
    const written = refusalLines()
    expect(written.length).toBeGreaterThanOrEqual(2)
    expect(written.length).toBeLessThanOrEqual(4)
    expect(written.reduce((n, l) => n + Number(l.count), 0)).toBe(1000)
    expect(new Set(written.map((l) => l.status))).toEqual(new Set([403, 404]))
    expect(receiver.refusals.size).toBe(0)
    expect(await count()).toBe(0)
  })

  it('holds at most a bounded number of (prefix, status) pairs, counting the rest under "*"', async () => {
    const receiver = new WecomCallbackReceiver(deps)
    const { query, body } = sealed()
    for (let i = 0; i < 2000; i++) await receiver.accept(`${String(i).padStart(8, '0')}zz`, query, body)
    expect(receiver.refusals.size).toBeLessThanOrEqual(201)
    clock.advance(61_000)
    receiver.refusals.flush()
    const written = lines.filter((l) => l.msg === 'wecom callback refused')
    expect(written.reduce((n, l) => n + Number(l.count), 0)).toBe(2000)
    expect(written.find((l) => l.key === '*')?.count).toBe(1800)
  })
})
