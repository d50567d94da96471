// Welcome edge cases on a hand-moved clock: same-second scans, expired and reused codes, retries after a crash, replayed handler.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { ManualClock } from '../../lib/clock'
import { parseXml } from '../../platform/xml'
import { createWecomEnv, type WecomEnv } from '../../testing/wecom-env'
import { createChannel, type Channel } from './callbacks.test-fixtures'
import { addExternalContact } from './handlers/external-contact/add-external-contact'

let env: WecomEnv
let clock: ManualClock
let channel: Channel

beforeAll(async () => {
  clock = new ManualClock()
  env = await createWecomEnv({ clock, workers: false })
  channel = await createChannel(env, { channelName: '朋友圈' })
})
afterAll(async () => env?.close())
beforeEach(() => env.sandbox.control.clearFaults())

const calls = (endpoint: string) => env.sandbox.control.getCounters().endpoints[endpoint]?.calls ?? 0
const welcomeCodesSent = () =>
  (env.sandbox.control.logs({ kind: 'welcome', corpid: env.corpid }).items as { welcome_code: string }[]).map((w) => w.welcome_code)
const eventOf = (ext: string) =>
  env.deps.db.selectFrom('callback_events').selectAll().where('external_userid', '=', ext).executeTakeFirstOrThrow()
const welcomeRowOf = (eventId: number) =>
  env.deps.db.selectFrom('welcome_sends').selectAll().where('callback_event_id', '=', eventId).execute()
const customerOf = (ext: string) => env.deps.db.selectFrom('customers').selectAll().where('external_userid', '=', ext).executeTakeFirst()

async function scan() {
  const r = await env.sandbox.control.scan(env.corpid, { config_id: channel.configId })
  expect(r.delivery?.status).toBe('delivered')
  return r
}

describe('welcome message', () => {
  it('two customers scanning the same code in the same second: two events, two customers, two welcomes', async () => {
    const [a, b] = await Promise.all([scan(), scan()])
    await env.deps.queue.runUntilIdle()
    const [ea, eb] = [await eventOf(a.external_userid), await eventOf(b.external_userid)]
    expect(ea.create_time).toBe(eb.create_time)
    expect(ea.dedupe_key).not.toBe(eb.dedupe_key)
    expect(await customerOf(a.external_userid)).toBeTruthy()
    expect(await customerOf(b.external_userid)).toBeTruthy()
    expect(welcomeCodesSent()).toEqual(expect.arrayContaining([a.welcome_code, b.welcome_code]))
    expect((await welcomeRowOf(ea.id))[0].status).toBe('sent')
    expect((await welcomeRowOf(eb.id))[0].status).toBe('sent')
  })

  it('a code older than 20 s is recorded as expired, not retried, and the customer is still stored', async () => {
    const s = await scan()
    clock.advance(21_000)
    const before = calls('externalcontact/send_welcome_msg')
    await env.deps.queue.runUntilIdle()
    const ev = await eventOf(s.external_userid)
    expect(ev.status).toBe('processed')
    const [row] = await welcomeRowOf(ev.id)
    expect(row).toMatchObject({ status: 'expired', errcode: 41051 })
    expect(row.latency_ms).toBeGreaterThanOrEqual(21_000)
    expect(calls('externalcontact/send_welcome_msg')).toBe(before + 1)
    expect(welcomeCodesSent()).not.toContain(s.welcome_code)
    expect((await customerOf(s.external_userid))?.status).toBe('active')
    // Nothing left to retry.
    expect(await env.deps.queue.runUntilIdle()).toBe(0)
  })

  it('a code someone else used first is recorded as already_used', async () => {
    const s = await scan()
    const client = await env.deps.wecom.for(env.orgId)
    await client.welcome.send({ welcome_code: s.welcome_code, text: { content: '另一个应用抢先发送' } })
    await env.deps.queue.runUntilIdle()
    const ev = await eventOf(s.external_userid)
    const [row] = await welcomeRowOf(ev.id)
    expect(row).toMatchObject({ status: 'already_used', errcode: 41051 })
    expect(row.latency_ms).toBeLessThan(20_000)
    expect(welcomeCodesSent().filter((c) => c === s.welcome_code)).toHaveLength(1)
  })

  it('a job that fails after the welcome is retried without a second send_welcome_msg', async () => {
    // The detail call fails (60011: not in the app's range) after the welcome went out: the job fails and is retried.
    env.sandbox.control.setFaults({ rules: [{ endpoint: 'externalcontact/get', errorRate: 1, errorCodes: [60011] }] })
    const s = await scan()
    await env.deps.queue.runUntilIdle()
    const ev = await eventOf(s.external_userid)
    expect(ev.status).toBe('failed')
    expect(ev.error).toContain('60011')
    expect(await customerOf(s.external_userid)).toBeUndefined()
    expect((await welcomeRowOf(ev.id)).map((r) => r.status)).toEqual(['sent'])
    const sends = calls('externalcontact/send_welcome_msg')

    env.sandbox.control.clearFaults()
    clock.advance(60_000) // past the queue's backoff
    await env.deps.queue.runUntilIdle()
    expect((await eventOf(s.external_userid)).status).toBe('processed')
    expect(await customerOf(s.external_userid)).toBeTruthy()
    expect(calls('externalcontact/send_welcome_msg')).toBe(sends)
    expect(welcomeCodesSent().filter((c) => c === s.welcome_code)).toHaveLength(1)
    expect((await welcomeRowOf(ev.id)).map((r) => r.status)).toEqual(['sent'])
  })

  it('a run that died between writing the welcome row and hearing back never calls send_welcome_msg again', async () => {
    const s = await scan()
    const ev = await eventOf(s.external_userid)
    // What a crashed run leaves behind: the claim, no outcome.
    const now = clock.now()
    await env.deps.db
      .insertInto('welcome_sends')
      .values({
        org_id: env.orgId,
        callback_event_id: ev.id,
        customer_external_userid: s.external_userid,
        userid: s.userid,
        contact_way_id: channel.wayId,
        status: 'sending',
        errcode: null,
        error: null,
        latency_ms: null,
        created_at: now,
        updated_at: now,
      })
      .execute()
    const before = calls('externalcontact/send_welcome_msg')
    await env.deps.queue.runUntilIdle()
    expect((await eventOf(s.external_userid)).status).toBe('processed')
    expect(calls('externalcontact/send_welcome_msg')).toBe(before)
    expect((await welcomeRowOf(ev.id)).map((r) => r.status)).toEqual(['sending'])
    expect(await customerOf(s.external_userid)).toBeTruthy()
  })

  it('running the handler again for the same event changes no row and repeats no call except the detail fetch', async () => {
    const s = await scan()
    await env.deps.queue.runUntilIdle()
    const event = await eventOf(s.external_userid)
    expect(event.status).toBe('processed')
    const snapshot = async () => ({
      customers: await env.deps.db.selectFrom('customers').selectAll().orderBy('id').execute(),
      follows: await env.deps.db.selectFrom('customer_follows').selectAll().orderBy('id').execute(),
      leads: await env.deps.db.selectFrom('crm_leads').selectAll().orderBy('id').execute(),
      customerTags: await env.deps.db.selectFrom('customer_tags').selectAll().orderBy('id').execute(),
      tags: await env.deps.db.selectFrom('tags').selectAll().orderBy('id').execute(),
      groups: await env.deps.db.selectFrom('tag_groups').selectAll().orderBy('id').execute(),
      welcome: await env.deps.db.selectFrom('welcome_sends').selectAll().orderBy('id').execute(),
      jobs: await env.deps.db.selectFrom('queue_jobs').select(['id', 'kind', 'dedupe_key']).orderBy('id').execute(),
    })
    const before = await snapshot()
    const counters = env.sandbox.control.getCounters().endpoints
    clock.advance(1000) // an unneeded update would show in updated_at

    expect(await addExternalContact({ deps: env.deps, orgId: env.orgId, event, doc: parseXml(event.plaintext) })).toBe('processed')
    await env.deps.queue.runUntilIdle()

    expect(await snapshot()).toEqual(before)
    const after = env.sandbox.control.getCounters().endpoints
    for (const endpoint of ['externalcontact/send_welcome_msg', 'externalcontact/mark_tag', 'message/send']) {
      expect(after[endpoint]?.calls, endpoint).toBe(counters[endpoint]?.calls)
    }
    expect(after['externalcontact/get'].calls).toBe(counters['externalcontact/get'].calls + 1)
  })
})
