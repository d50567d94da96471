// 概览's aggregates: exact on a small seeded org (Beijing day edges, both end sides, rankings, welcome outcomes, health, last sync), tenant-isolated, readable by members.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DbHandle } from '../../db/connect'
import { insertedId } from '../../db/dialect'
import { createTestDb } from '../../testing/test-db'
import { createOrgWithUser, createTestDeps } from '../../testing/deps'
import { callerFor } from '../../testing/tenant'

let handle: DbHandle
let deps: ReturnType<typeof createTestDeps>

const HOUR = 3600_000
const DAY = 24 * HOUR
// 2026-11-20 00:00 Beijing time; "now" is 2026-11-20 12:00 Beijing time.
const TODAY = Date.UTC(2026, 10, 19, 16, 0, 0)
const NOW = TODAY + 12 * HOUR

beforeAll(async () => {
  handle = await createTestDb()
  deps = createTestDeps(handle)
  deps.clock.set(NOW)
})
afterAll(async () => handle.close())

const db = () => deps.db
let seq = 0

async function way(orgId: number, channelName: string): Promise<number> {
  return insertedId(
    await db()
      .insertInto('contact_ways')
      .values({
        org_id: orgId,
        config_id: `cfg_${++seq}`,
        type: 1,
        scene: 2,
        state: `st_${seq}`,
        channel_name: channelName,
        user_ids: '[]',
        party_ids: '[]',
        tag_ids: '[]',
        created_at: NOW,
        updated_at: NOW,
      })
      .executeTakeFirstOrThrow(),
  )
}

/** One customer with one relation to `userid`, added at `addedAt`, optionally ended. */
async function customer(
  orgId: number,
  o: { userid: string; addedAt: number; wayId?: number; end?: { status: 'lost' | 'deleted'; at: number } },
): Promise<void> {
  const customerId = insertedId(
    await db()
      .insertInto('customers')
      .values({
        org_id: orgId,
        external_userid: `wm_dash_${++seq}`,
        name: `客户${seq}`,
        contact_way_id: o.wayId ?? null,
        status: o.end ? 'lost' : 'active',
        first_added_at: o.addedAt,
        created_at: o.addedAt,
        updated_at: o.addedAt,
      })
      .executeTakeFirstOrThrow(),
  )
  await db()
    .insertInto('customer_follows')
    .values({
      org_id: orgId,
      customer_id: customerId,
      userid: o.userid,
      remark_mobiles: '[]',
      contact_way_id: o.wayId ?? null,
      createtime: o.addedAt,
      status: o.end?.status ?? 'active',
      lost_at: o.end?.status === 'lost' ? o.end.at : null,
      deleted_at: o.end?.status === 'deleted' ? o.end.at : null,
      updated_at: o.addedAt,
    })
    .execute()
}

async function welcome(orgId: number, userid: string, status: 'sent' | 'expired' | 'failed' | 'skipped', at: number): Promise<void> {
  await db()
    .insertInto('callback_events')
    .values({
      org_id: orgId,
      source: 'wecom',
      dedupe_key: `dk_${++seq}`,
      msg_type: 'event',
      event: 'change_external_contact',
      change_type: 'add_external_contact',
      plaintext: '<xml/>',
      create_time: at,
      received_at: at,
      status: status === 'failed' ? 'failed' : 'processed',
    })
    .execute()
  const ev = await db().selectFrom('callback_events').select('id').where('dedupe_key', '=', `dk_${seq}`).executeTakeFirstOrThrow()
  await db()
    .insertInto('welcome_sends')
    .values({
      org_id: orgId,
      callback_event_id: ev.id,
      customer_external_userid: `wm_${seq}`,
      userid,
      status,
      created_at: at,
      updated_at: at,
    })
    .execute()
}

describe('dashboard.overview', () => {
  it('counts adds, losses, rankings, welcome outcomes, callback health and the last sync exactly, for members too', async () => {
    const { orgId, user } = await createOrgWithUser(deps, 'org_member')
    await db()
      .insertInto('wecom_staff')
      .values([
        { org_id: orgId, userid: 'zhang', name: '张医生', status: 'active', synced_at: NOW },
        { org_id: orgId, userid: 'li', name: '李顾问', status: 'active', synced_at: NOW },
      ])
      .execute()
    const xhs = await way(orgId, '小红书')
    const dy = await way(orgId, '抖音')

    // Today: 3 adds (2 through 小红书, one of them deleted by the staff member an hour later).
    await customer(orgId, { userid: 'zhang', addedAt: TODAY + HOUR, wayId: xhs })
    await customer(orgId, { userid: 'zhang', addedAt: TODAY + 2 * HOUR, wayId: xhs, end: { status: 'deleted', at: TODAY + 3 * HOUR } })
    await customer(orgId, { userid: 'li', addedAt: TODAY })
    // Yesterday's last millisecond (Beijing): counts for yesterday, not today.
    await customer(orgId, { userid: 'li', addedAt: TODAY - 1, wayId: dy })
    // Added 5 days ago, lost (the customer's side) yesterday.
    await customer(orgId, { userid: 'li', addedAt: TODAY - 5 * DAY, wayId: dy, end: { status: 'lost', at: TODAY - DAY + HOUR } })
    // Outside the 30-day window: neither its add nor its loss counts.
    await customer(orgId, { userid: 'zhang', addedAt: TODAY - 40 * DAY, wayId: xhs, end: { status: 'lost', at: TODAY - 31 * DAY } })

    await welcome(orgId, 'zhang', 'sent', TODAY + HOUR)
    await welcome(orgId, 'zhang', 'expired', TODAY + 2 * HOUR)
    await welcome(orgId, 'li', 'sent', TODAY - 2 * DAY)
    await welcome(orgId, 'li', 'failed', TODAY - 2 * DAY)
    await welcome(orgId, 'li', 'skipped', TODAY - 2 * DAY)

    await deps.queue.enqueue(db(), 'wecom.callback', { id: 1 }, { orgId })
    const runId = insertedId(
      await db()
        .insertInto('customer_sync_runs')
        .values({
          org_id: orgId,
          trigger: 'manual',
          status: 'succeeded',
          userids: '["zhang","li"]',
          chunks: 1,
          users_per_call: 100,
          lost: 1,
          started_at: NOW - HOUR,
          heartbeat_at: NOW - HOUR,
          finished_at: NOW - HOUR + 5000,
        })
        .executeTakeFirstOrThrow(),
    )
    await db()
      .insertInto('customer_sync_chunks')
      .values({ run_id: runId, chunk: 0, done: 1, relations: 6, created: 2, updated: 3 })
      .execute()

    const o = await callerFor(deps, user).dashboard.overview({})

    expect(o.daily).toHaveLength(30)
    expect(o.daily.at(-1)).toMatchObject({ day: '2026-11-20', added: 3, lost: 1, net: 2 })
    expect(o.daily.at(-2)).toMatchObject({ day: '2026-11-19', added: 1, lost: 1, net: 0 })
    expect(o.daily.at(-6)).toMatchObject({ day: '2026-11-15', added: 1, lost: 0, net: 1 })
    expect(o.totals).toEqual({ added: 5, lost: 2 })

    expect(o.channels.map((c) => [c.channelName, c.adds, c.active])).toEqual([
      ['小红书', 2, 1],
      ['抖音', 2, 1],
    ])
    expect(o.channels[0]!.retention).toBe(0.5)

    expect(o.staff.map((s) => [s.name, s.adds, s.lost, s.welcomeSent, s.welcomeAttempted])).toEqual([
      ['李顾问', 3, 1, 1, 2],
      ['张医生', 2, 1, 1, 2],
    ])
    expect(o.welcome).toMatchObject({ sent: 2, expired: 1, failed: 1, skipped: 1, already_used: 0 })

    expect(o.callbacks).toMatchObject({ lastReceivedAt: TODAY + 2 * HOUR, failed: 1, pending: 0 })
    expect(o.callbacks.queue).toMatchObject({ pending: 1, dead: 0 })
    expect(o.lastSync).toMatchObject({ status: 'succeeded', trigger: 'manual', relations: 6, created: 2, updated: 3, lost: 1 })

    const week = await callerFor(deps, user).dashboard.overview({ days: 7 })
    expect(week.daily).toHaveLength(7)
    expect(week.totals).toEqual({ added: 5, lost: 2 })
  })

  it('shows another org nothing of this one, and refuses a window it does not offer', async () => {
    const a = await createOrgWithUser(deps, 'org_admin')
    const w = await way(a.orgId, '朋友圈')
    await customer(a.orgId, { userid: 'wang', addedAt: TODAY + HOUR, wayId: w, end: { status: 'lost', at: TODAY + 2 * HOUR } })
    await welcome(a.orgId, 'wang', 'sent', TODAY + HOUR)

    const b = await createOrgWithUser(deps, 'org_admin')
    const o = await callerFor(deps, b.user).dashboard.overview({})
    expect(o.totals).toEqual({ added: 0, lost: 0 })
    expect(o.channels).toEqual([])
    expect(o.staff).toEqual([])
    expect(o.welcome.sent).toBe(0)
    expect(o.callbacks.lastReceivedAt).toBeNull()
    expect(o.lastSync).toBeNull()

    await expect(callerFor(deps, b.user).dashboard.overview({ days: 365 })).rejects.toMatchObject({ code: 'BAD_REQUEST' })
  })
})
