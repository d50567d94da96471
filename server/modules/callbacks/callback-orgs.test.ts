// Callbacks and their org: two orgs on one corp each keep and process every event; a disabled org's events are held, then processed once on re-enable.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { DbHandle } from '../../db/connect'
import { ManualClock } from '../../lib/clock'
import { encryptMessage, generateEncodingAesKey, msgSignature } from '../../platform/crypto'
import { buildXml } from '../../platform/xml'
import { createOrgWithUser, createTestDeps } from '../../testing/deps'
import { createTestDb, countRows } from '../../testing/test-db'
import { callerFor } from '../../testing/tenant'
import { findConfigByOrg } from '../wecom-config/wecom-config.repository'
import { saveConfig } from '../wecom-config/wecom-config.service'
import { WecomCallbackReceiver } from './callback.route'
import { registerCallbackWorker } from './dispatch'
import type { CallbackHandler, HandlerTable } from './handlers/handler'
import { keyOf } from './handlers/handler'

const CORP = 'wwshared000000001'
const TOKEN = 'SharedToken01'
const AES = generateEncodingAesKey()

let handle: DbHandle
let deps: ReturnType<typeof createTestDeps>
let clock: ManualClock
/** Handler runs per (org, ChatId). */
let runs: string[]

beforeEach(async () => {
  handle = await createTestDb()
  clock = new ManualClock()
  deps = createTestDeps(handle, { clock })
  runs = []
  const handler: CallbackHandler = async ({ orgId, doc }) => {
    runs.push(`${orgId}:${String(doc.ChatId)}`)
    return 'processed'
  }
  const table: HandlerTable = { [keyOf('event', 'change_external_chat', '*')]: handler }
  registerCallbackWorker(deps, table)
})
afterEach(async () => handle.close())

/** An org whose callback URL is configured with the shared corp's credentials; returns its id and callback key. */
async function connectedOrg(): Promise<{ orgId: number; key: string }> {
  const { orgId } = await createOrgWithUser(deps)
  await saveConfig(deps, orgId, { corpId: CORP, agentId: '', contactSecret: 'unused-secret', callbackToken: TOKEN, encodingAesKey: AES })
  return { orgId, key: (await findConfigByOrg(deps.db, orgId))!.callback_key }
}

function sealed(chatId: string) {
  const timestamp = String(Math.floor(clock.now() / 1000))
  const plaintext = buildXml({
    ToUserName: CORP,
    FromUserName: 'sys',
    CreateTime: Number(timestamp),
    MsgType: 'event',
    Event: 'change_external_chat',
    ChangeType: 'dismiss',
    ChatId: chatId,
  })
  const enc = encryptMessage(AES, plaintext, CORP)
  return {
    query: { msg_signature: msgSignature(TOKEN, timestamp, '9', enc), timestamp, nonce: '9' },
    body: buildXml({ ToUserName: CORP, Encrypt: enc }),
  }
}

const eventsOf = (orgId: number) =>
  deps.db.selectFrom('callback_events').select(['id', 'status']).where('org_id', '=', orgId).orderBy('id').execute()
const jobCount = async () => countRows(deps.db, 'queue_jobs')

describe('two orgs connected to one corp', () => {
  it('each stores and processes the same event (and a retry to either is still one event per org)', async () => {
    const a = await connectedOrg()
    const b = await connectedOrg()
    const receiver = new WecomCallbackReceiver(deps)
    const cb = sealed('wrSAME')
    expect(await receiver.accept(a.key, cb.query, cb.body)).toEqual({ status: 200, text: 'success' })
    expect(await receiver.accept(b.key, cb.query, cb.body)).toEqual({ status: 200, text: 'success' })
    // WeCom's retries of the same delivery.
    expect((await receiver.accept(a.key, cb.query, cb.body)).status).toBe(200)
    expect((await receiver.accept(b.key, cb.query, cb.body)).status).toBe(200)
    expect(await eventsOf(a.orgId)).toHaveLength(1)
    expect(await eventsOf(b.orgId)).toHaveLength(1)
    expect(await jobCount()).toBe(2)
    await deps.queue.runUntilIdle()
    expect(runs.sort()).toEqual([`${a.orgId}:wrSAME`, `${b.orgId}:wrSAME`].sort())
    expect((await eventsOf(a.orgId)).map((e) => e.status)).toEqual(['processed'])
    expect((await eventsOf(b.orgId)).map((e) => e.status)).toEqual(['processed'])
  })

  it('the same event concurrently to both orgs, in one group commit, is still one event each', async () => {
    const a = await connectedOrg()
    const b = await connectedOrg()
    const receiver = new WecomCallbackReceiver(deps)
    const cb = sealed('wrBATCH')
    const answers = await Promise.all([a.key, b.key, a.key, b.key].map((k) => receiver.accept(k, cb.query, cb.body)))
    expect(answers.map((x) => x.status)).toEqual([200, 200, 200, 200])
    expect(await eventsOf(a.orgId)).toHaveLength(1)
    expect(await eventsOf(b.orgId)).toHaveLength(1)
    await deps.queue.runUntilIdle()
    expect(runs.sort()).toEqual([`${a.orgId}:wrBATCH`, `${b.orgId}:wrBATCH`].sort())
  })
})

describe('a disabled org', () => {
  it('has its callbacks stored but held (no job, not processed), counted for the operator, and processed exactly once when enabled again', async () => {
    const org = await connectedOrg()
    const other = await connectedOrg()
    const sa = callerFor(deps, (await createOrgWithUser(deps, 'super_admin')).user)
    await sa.orgs.update({ id: org.orgId, status: 'disabled' })
    const receiver = new WecomCallbackReceiver(deps)
    for (const chat of ['wr1', 'wr2', 'wr3']) {
      const cb = sealed(chat)
      expect(await receiver.accept(org.key, cb.query, cb.body)).toEqual({ status: 200, text: 'success' })
    }
    const live = sealed('wrLIVE')
    expect((await receiver.accept(other.key, live.query, live.body)).status).toBe(200)
    expect((await eventsOf(org.orgId)).map((e) => e.status)).toEqual(['held', 'held', 'held'])
    expect(await jobCount()).toBe(1)
    await deps.queue.runUntilIdle()
    expect(runs).toEqual([`${other.orgId}:wrLIVE`])
    expect((await eventsOf(org.orgId)).map((e) => e.status)).toEqual(['held', 'held', 'held'])

    const listed = await sa.orgs.list({ page: 1, pageSize: 50 })
    expect(listed.items.find((o) => o.id === org.orgId)?.heldCallbacks).toBe(3)
    expect(listed.items.find((o) => o.id === other.orgId)?.heldCallbacks).toBe(0)

    await sa.orgs.update({ id: org.orgId, status: 'active' })
    // Enabling twice (or renaming) releases nothing more.
    await sa.orgs.update({ id: org.orgId, status: 'active' })
    await sa.orgs.update({ id: org.orgId, name: '改名诊所' })
    await deps.queue.runUntilIdle()
    expect(runs.filter((r) => r.startsWith(`${org.orgId}:`)).sort()).toEqual([`${org.orgId}:wr1`, `${org.orgId}:wr2`, `${org.orgId}:wr3`])
    expect((await eventsOf(org.orgId)).map((e) => e.status)).toEqual(['processed', 'processed', 'processed'])
    expect((await sa.orgs.list({ page: 1, pageSize: 50 })).items.find((o) => o.id === org.orgId)?.heldCallbacks).toBe(0)
  })

  it('an event stored while the org was active but not yet processed when it is disabled waits too, and runs once after', async () => {
    const org = await connectedOrg()
    const sa = callerFor(deps, (await createOrgWithUser(deps, 'super_admin')).user)
    const receiver = new WecomCallbackReceiver(deps)
    const cb = sealed('wrEARLY')
    expect((await receiver.accept(org.key, cb.query, cb.body)).status).toBe(200)
    expect((await eventsOf(org.orgId)).map((e) => e.status)).toEqual(['pending'])
    await sa.orgs.update({ id: org.orgId, status: 'disabled' })
    await deps.queue.runUntilIdle()
    expect(runs).toEqual([])
    expect((await eventsOf(org.orgId)).map((e) => e.status)).toEqual(['held'])
    await sa.orgs.update({ id: org.orgId, status: 'active' })
    await deps.queue.runUntilIdle()
    expect(runs).toEqual([`${org.orgId}:wrEARLY`])
    expect((await eventsOf(org.orgId)).map((e) => e.status)).toEqual(['processed'])
  })
})
