// Group commit on both dialects: concurrent events share transactions, duplicates collapse, one bad event fails alone.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { DbHandle } from '../../db/connect'
import { buildXml, parseXml } from '../../platform/xml'
import { createOrgWithUser, createTestDeps } from '../../testing/deps'
import { createTestDb, countRows } from '../../testing/test-db'
import { CALLBACK_JOB, CallbackStore } from './callback-store'
import { WELCOME_JOB } from './welcome-job'

let handle: DbHandle
let deps: ReturnType<typeof createTestDeps>
let orgId: number

beforeEach(async () => {
  handle = await createTestDb()
  deps = createTestDeps(handle)
  orgId = (await createOrgWithUser(deps)).orgId
})
afterEach(async () => handle.close())

const plaintext = (ext: string) =>
  buildXml({
    ToUserName: 'wwcorp',
    FromUserName: 'sys',
    CreateTime: 1795000000,
    MsgType: 'event',
    Event: 'change_external_contact',
    ChangeType: 'add_external_contact',
    UserID: 'zhangli',
    ExternalUserID: ext,
  })
const event = (ext: string) => ({ orgId, plaintext: plaintext(ext), doc: parseXml(plaintext(ext)) })
const count = async (table: 'callback_events' | 'queue_jobs') => countRows(deps.db, table)

describe('CallbackStore', () => {
  it('stores concurrent events in shared transactions, each with its job (and an add its welcome job), before resolving', async () => {
    const commits: [number, number][] = []
    const store = new CallbackStore(deps, (stored, dups) => commits.push([stored, dups]))
    await Promise.all(Array.from({ length: 60 }, (_, i) => store.store(event(`wm${i}`))))
    expect(await count('callback_events')).toBe(60)
    const jobs = await deps.db.selectFrom('queue_jobs').select(['kind', 'payload', 'dedupe_key', 'org_id']).execute()
    // Each add event: its processing job and its welcome job (the queue's fast lane).
    expect(jobs).toHaveLength(120)
    const events = await deps.db
      .selectFrom('callback_events')
      .select(['id', 'dedupe_key', 'change_type', 'external_userid', 'create_time', 'status'])
      .execute()
    for (const e of events) {
      expect(jobs).toContainEqual({
        kind: CALLBACK_JOB,
        payload: JSON.stringify({ eventId: e.id }),
        dedupe_key: `cb:${orgId}:${e.dedupe_key}`,
        org_id: orgId,
      })
      // The welcome job carries what the send needs, so it reads no event row.
      const welcome = jobs.find((j) => j.kind === WELCOME_JOB && j.dedupe_key === `wl:${orgId}:${e.dedupe_key}`)
      expect(welcome?.org_id).toBe(orgId)
      expect(JSON.parse(welcome!.payload)).toEqual({
        eventId: e.id,
        userid: 'zhangli',
        externalUserid: e.external_userid,
        state: '',
        welcomeCode: '',
        createTime: 1795000000_000,
      })
      expect(e).toMatchObject({ change_type: 'add_external_contact', create_time: 1795000000_000, status: 'pending' })
    }
    expect(commits.length).toBeLessThan(60)
    expect(commits.reduce((n, [s]) => n + s, 0)).toBe(60)
  })

  it('one plaintext delivered concurrently and again later is one event, one job and one welcome job', async () => {
    let stored = 0
    let dups = 0
    const store = new CallbackStore(deps, (s, d) => {
      stored += s
      dups += d
    })
    await Promise.all([store.store(event('wmSAME')), store.store(event('wmSAME')), store.store(event('wmSAME'))])
    await store.store(event('wmSAME'))
    expect(await count('callback_events')).toBe(1)
    const jobs = await deps.db.selectFrom('queue_jobs').select('kind').orderBy('kind').execute()
    expect(jobs.map((j) => j.kind)).toEqual([CALLBACK_JOB, WELCOME_JOB])
    expect([stored, dups]).toEqual([1, 3])
  })

  it('a batch that fails is retried one event at a time: only the bad event is refused', async () => {
    const poisoned = `cb:${orgId}:${(await import('node:crypto')).createHash('sha256').update(plaintext('wmBAD')).digest('hex')}`
    const enqueueMany = deps.queue.enqueueMany.bind(deps.queue)
    deps.queue.enqueueMany = async (exec, jobs) => {
      if (jobs.some((j) => j.opts?.dedupeKey === poisoned)) throw new Error('simulated failure for one event')
      return enqueueMany(exec, jobs)
    }
    const store = new CallbackStore(deps)
    const results = await Promise.allSettled(['wm1', 'wm2', 'wmBAD', 'wm3'].map((ext) => store.store(event(ext))))
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled'])
    const rows = await deps.db.selectFrom('callback_events').select('external_userid').orderBy('external_userid').execute()
    expect(rows.map((r) => r.external_userid)).toEqual(['wm1', 'wm2', 'wm3'])
    expect(await count('queue_jobs')).toBe(6)
  })
})
