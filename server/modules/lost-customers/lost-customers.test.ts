// 流失客户 against the sandbox: filters, paging and tenancy of the list, the CSV export, and each alert mode's app messages.
import { TRPCError } from '@trpc/server'
import { parse } from 'csv-parse/sync'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { insertedId } from '../../db/dialect'
import { ManualClock } from '../../lib/clock'
import { createWecomEnv, type WecomEnv } from '../../testing/wecom-env'
import { createOrgWithUser } from '../../testing/deps'
import { callerFor } from '../../testing/tenant'
import { markFollowsLost } from '../customers/customers.repository'
import { runOrgSync } from '../customers/customers.sync'
import { createChannel, type Channel } from '../callbacks/callbacks.test-fixtures'
import { countEndedFollows } from './lost-customers.repository'
import { digestDay, runLostDigest, SYNC_LOST_NOTICE_JOB } from './lost-customers.service'

let env: WecomEnv
let channel: Channel

beforeAll(async () => {
  env = await createWecomEnv()
  await env.caller.wecomConfig.test()
  channel = await createChannel(env, { channelName: '抖音' })
}, 60_000)
afterAll(async () => env?.close())

const db = () => env.deps.db
const cards = () => env.sandbox.control.logs({ kind: 'app_messages', corpid: env.corpid }).items as Record<string, any>[]
const HOUR = 3600_000
// 2026-11-20 00:00 Beijing time.
const DAY0 = Date.UTC(2026, 10, 19, 16, 0, 0)

async function seedFollow(
  orgId: number,
  name: string,
  userid: string,
  end: { status: 'lost' | 'deleted' | 'active'; at?: number },
): Promise<{ customerId: number; followId: number }> {
  const t = DAY0 - 30 * 24 * HOUR
  const ext = `wm_lost_${orgId}_${Math.random().toString(36).slice(2)}`
  const customerId = insertedId(
    await db()
      .insertInto('customers')
      .values({ org_id: orgId, external_userid: ext, name, created_at: t, updated_at: t })
      .executeTakeFirstOrThrow(),
  )
  const followId = insertedId(
    await db()
      .insertInto('customer_follows')
      .values({
        org_id: orgId,
        customer_id: customerId,
        userid,
        remark_mobiles: '[]',
        createtime: t,
        status: end.status,
        // A deleted relation that was once lost before: its old lost_at must not be taken for when it ended.
        lost_at: end.status === 'lost' ? end.at! : end.status === 'deleted' ? end.at! - 100 * HOUR : null,
        deleted_at: end.status === 'deleted' ? end.at! : null,
        updated_at: t,
      })
      .executeTakeFirstOrThrow(),
  )
  return { customerId, followId }
}

describe('list and export', () => {
  let orgId: number
  let caller: ReturnType<typeof callerFor>
  let member: ReturnType<typeof callerFor>

  beforeAll(async () => {
    const a = await createOrgWithUser(env.deps, 'org_admin')
    orgId = a.orgId
    caller = callerFor(env.deps, a.user)
    member = callerFor(env.deps, (await createOrgWithUser(env.deps, 'org_member')).user)
    await db()
      .insertInto('wecom_staff')
      .values(
        ['zhangli', 'wangfang'].map((userid) => ({
          org_id: orgId,
          userid,
          name: userid === 'zhangli' ? '张丽' : '王芳',
          status: 'active',
          synced_at: DAY0,
        })),
      )
      .execute()
    await seedFollow(orgId, '周女士', 'zhangli', { status: 'lost', at: DAY0 + 10 * HOUR })
    await seedFollow(orgId, '吴先生', 'wangfang', { status: 'deleted', at: DAY0 + 20 * HOUR })
    const bySync = await seedFollow(orgId, '=HYPERLINK("http://x")', 'zhangli', { status: 'active' })
    await markFollowsLost(db(), orgId, [{ id: bySync.followId, customer_id: bySync.customerId }], DAY0 + 30 * HOUR)
    await seedFollow(orgId, '在跟进', 'zhangli', { status: 'active' })
  })

  it('lists ended relations newest first with who ended them, paged on the server', async () => {
    const all = await caller.lostCustomers.list({ page: 1, pageSize: 20 })
    expect(all.total).toBe(3)
    expect(all.items.map((i) => [i.name, i.userid, i.staffName, i.lostBy, i.lostAt])).toEqual([
      ['=HYPERLINK("http://x")', 'zhangli', '张丽', 'sync', DAY0 + 30 * HOUR],
      ['吴先生', 'wangfang', '王芳', 'staff', DAY0 + 20 * HOUR],
      ['周女士', 'zhangli', '张丽', 'customer', DAY0 + 10 * HOUR],
    ])
    const p2 = await caller.lostCustomers.list({ page: 2, pageSize: 2 })
    expect(p2).toMatchObject({ total: 3, items: [{ name: '周女士' }] })
  })

  it('filters by staff and by a [from, to) date range', async () => {
    const z = await caller.lostCustomers.list({ page: 1, pageSize: 20, userid: 'zhangli' })
    expect(z.total).toBe(2)
    expect(z.items.map((i) => i.name)).toEqual(['=HYPERLINK("http://x")', '周女士'])
    const range = await caller.lostCustomers.list({ page: 1, pageSize: 20, from: DAY0 + 10 * HOUR, to: DAY0 + 30 * HOUR })
    expect(range.items.map((i) => i.name)).toEqual(['吴先生', '周女士'])
    const both = await caller.lostCustomers.list({ page: 1, pageSize: 20, userid: 'wangfang', from: DAY0 + 21 * HOUR })
    expect(both).toEqual({ total: 0, items: [] })
  })

  it('another org sees none of these rows and cannot filter its way to them', async () => {
    const b = await createOrgWithUser(env.deps, 'org_admin')
    const other = callerFor(env.deps, b.user)
    await seedFollow(b.orgId, '别家客户', 'zhangli', { status: 'lost', at: DAY0 + HOUR })
    const list = await other.lostCustomers.list({ page: 1, pageSize: 100, userid: 'zhangli' })
    expect(list.items.map((i) => i.name)).toEqual(['别家客户'])
    const csv = await other.lostCustomers.exportCsv({})
    expect(csv.content).not.toContain('周女士')
    expect(csv.content).toContain('别家客户')
  })

  it('exports the filtered rows as CSV with a BOM, Chinese headers and formula-safe cells; admins only', async () => {
    const { filename, content } = await caller.lostCustomers.exportCsv({ userid: 'zhangli' })
    expect(filename).toMatch(/^流失客户-\d{4}-\d{2}-\d{2}\.csv$/)
    expect(content.startsWith('\uFEFF')).toBe(true)
    const rows = parse(content.slice(1)) as string[][]
    expect(rows[0]).toEqual(['客户', '客户ID', '员工', '员工账号', '备注', '流失方式', '流失时间', '添加时间'])
    expect(rows.slice(1).map((r) => [r[0], r[2], r[5], r[6]])).toEqual([
      [`'=HYPERLINK("http://x")`, '张丽', '同步发现已流失', '2026-11-21 06:00:00'],
      ['周女士', '张丽', '客户删除员工', '2026-11-20 10:00:00'],
    ])
    const err = (await member.lostCustomers.exportCsv({}).catch((e: unknown) => e)) as TRPCError
    expect(err).toBeInstanceOf(TRPCError)
    expect(err.code).toBe('FORBIDDEN')
  })
})

describe('alert setting', () => {
  it('defaults to 立即通知员工, refuses a digest without recipients or with another org’s staff, and is per org', async () => {
    expect(await env.caller.lostCustomers.alertSetting()).toEqual({ mode: 'immediate', recipients: [] })
    const empty = (await env.caller.lostCustomers
      .saveAlertSetting({ mode: 'digest', recipients: [] })
      .catch((e: unknown) => e)) as TRPCError
    expect(empty.code).toBe('BAD_REQUEST')
    const b = await createOrgWithUser(env.deps, 'org_admin')
    const other = callerFor(env.deps, b.user)
    const foreign = (await other.lostCustomers
      .saveAlertSetting({ mode: 'digest', recipients: ['zhangli'] })
      .catch((e: unknown) => e)) as TRPCError
    expect(foreign.code).toBe('BAD_REQUEST')
    expect(foreign.message).toMatch(/zhangli/)
    await other.lostCustomers.saveAlertSetting({ mode: 'off' })
    expect(await other.lostCustomers.alertSetting()).toEqual({ mode: 'off', recipients: [] })
    expect(await env.caller.lostCustomers.alertSetting()).toEqual({ mode: 'immediate', recipients: [] })
  })
})

describe('alert modes', () => {
  async function handled(changeType: string, ext: string) {
    return env.waitFor(async () => {
      const ev = await db()
        .selectFrom('callback_events')
        .selectAll()
        .where('org_id', '=', env.orgId)
        .where('change_type', '=', changeType)
        .where('external_userid', '=', ext)
        .executeTakeFirst()
      return ev && ev.status !== 'pending' ? ev : undefined
    })
  }
  async function customerLeaves(name: string) {
    const s = await env.sandbox.control.scan(env.corpid, { config_id: channel.configId, customer: { name } })
    await handled('add_external_contact', s.external_userid)
    const before = cards().length
    await env.sandbox.control.customerDeletesStaff(env.corpid, { userid: s.userid, external_userid: s.external_userid })
    expect((await handled('del_follow_user', s.external_userid)).status).toBe('processed')
    return { before, userid: s.userid }
  }
  const lostNotices = (from: number, name: string) =>
    cards()
      .slice(from)
      .filter((m) => JSON.stringify(m).includes(`客户 ${name} 已将你删除`))

  it('立即通知员工: the member gets one app message', async () => {
    await env.caller.lostCustomers.saveAlertSetting({ mode: 'immediate' })
    const { before, userid } = await customerLeaves('钱女士')
    await env.waitFor(async () => lostNotices(before, '钱女士').length === 1)
    expect(lostNotices(before, '钱女士')[0].touser).toEqual([userid])
  })

  it('每日汇总 and 关闭: no immediate message to the member', async () => {
    for (const [mode, name] of [
      ['digest', '孙先生'],
      ['off', '李女士'],
    ] as const) {
      await env.caller.lostCustomers.saveAlertSetting({ mode, recipients: mode === 'digest' ? ['zhangli'] : [] })
      const { before } = await customerLeaves(name)
      // The handler has finished (event processed), so a notice would already be in the log.
      expect(lostNotices(before, name)).toEqual([])
    }
  })

  it('每日汇总: one textcard per chosen staff with yesterday’s count, once per day even when run twice at once and again', async () => {
    const clock = new ManualClock(DAY0 + 24 * HOUR + 9 * HOUR) // 2026-11-21 09:00 Beijing
    const deps = { ...env.deps, clock }
    await seedFollow(env.orgId, '昨日一', 'zhangli', { status: 'lost', at: DAY0 + HOUR })
    await seedFollow(env.orgId, '昨日二', 'wangfang', { status: 'deleted', at: DAY0 + 23 * HOUR })
    await seedFollow(env.orgId, '前天', 'zhangli', { status: 'lost', at: DAY0 - HOUR })
    await seedFollow(env.orgId, '今天', 'zhangli', { status: 'lost', at: DAY0 + 24 * HOUR + HOUR })
    await env.caller.lostCustomers.saveAlertSetting({ mode: 'digest', recipients: ['zhangli', 'wangfang'] })
    const before = cards().length
    const [r1, r2] = await Promise.all([runLostDigest(deps), runLostDigest(deps)])
    expect(r1.sent + r2.sent).toBe(2)
    expect((await runLostDigest(deps)).sent).toBe(0)
    const sent = cards().slice(before)
    expect(sent).toHaveLength(2)
    expect(sent.map((m) => m.touser[0]).sort()).toEqual(['wangfang', 'zhangli'])
    for (const m of sent) {
      expect(m).toMatchObject({
        msgtype: 'textcard',
        body: { title: '流失客户日报', description: '2026-11-20 共流失客户 2 位，点击查看明细' },
      })
      expect(m.body.url).toBe(`${env.baseUrl}/web/customers?tab=lost`)
    }
    const claims = await db().selectFrom('lost_alert_digests').selectAll().where('org_id', '=', env.orgId).execute()
    expect(claims.map((c) => [c.day, c.userid, c.lost_count]).sort()).toEqual([
      ['2026-11-20', 'wangfang', 2],
      ['2026-11-20', 'zhangli', 2],
    ])
    // The next day is a new day.
    clock.advance(24 * HOUR)
    await seedFollow(env.orgId, '次日', 'zhangli', { status: 'lost', at: DAY0 + 24 * HOUR + 2 * HOUR })
    expect((await runLostDigest(deps)).sent).toBe(2)
  })

  it('关闭 and 立即通知员工: the digest sends nothing', async () => {
    const clock = new ManualClock(DAY0 + 3 * 24 * HOUR + 9 * HOUR)
    await seedFollow(env.orgId, '无人汇总', 'zhangli', { status: 'lost', at: DAY0 + 2 * 24 * HOUR + HOUR })
    for (const mode of ['off', 'immediate'] as const) {
      await env.caller.lostCustomers.saveAlertSetting({ mode })
      const before = cards().length
      expect(await runLostDigest({ ...env.deps, clock })).toEqual({ orgs: 0, sent: 0 })
      expect(cards().length).toBe(before)
    }
  })
})

describe('relations the customer sync finds lost', () => {
  const corp = () => env.sandbox.state.corps.get(env.corpid)!
  /** Customers added by scans (handled as callbacks), then gone from WeCom without any callback: only a sync can see it. */
  async function silentlyGone(names: string[]) {
    const out: { userid: string; ext: string }[] = []
    for (const name of names) {
      const s = await env.sandbox.control.scan(env.corpid, { config_id: channel.configId, customer: { name } })
      await env.waitFor(async () => {
        const f = await db()
          .selectFrom('customer_follows as f')
          .innerJoin('customers as c', 'c.id', 'f.customer_id')
          .select('f.status')
          .where('f.org_id', '=', env.orgId)
          .where('c.external_userid', '=', s.external_userid)
          .executeTakeFirst()
        return f?.status === 'active'
      })
      out.push({ userid: s.userid, ext: s.external_userid })
    }
    // The relations are older than the pass that will miss them.
    await new Promise((r) => setTimeout(r, 5))
    for (const g of out)
      corp().removeFollow(
        corp()
          .followsByCustomer.get(g.ext)!
          .find((f) => f.userid === g.userid)!,
      )
    return out
  }
  const syncNotices = (from: number) =>
    cards()
      .slice(from)
      .filter((m) => JSON.stringify(m).includes('同步发现'))
  const syncOnce = () => runOrgSync(env.deps, env.orgId)

  it('立即通知员工: each member gets one message naming their lost customers, and a second sync tells nobody again', async () => {
    await env.caller.lostCustomers.saveAlertSetting({ mode: 'immediate' })
    const gone = await silentlyGone(['同步一', '同步二'])
    const users = [...new Set(gone.map((g) => g.userid))]
    const before = cards().length
    const r = await syncOnce()
    expect(r.lost).toBeGreaterThanOrEqual(2)
    await env.waitFor(async () => syncNotices(before).length >= users.length)
    const notices = syncNotices(before)
    expect(notices.map((m) => m.touser[0]).sort()).toEqual(users.sort())
    const text = JSON.stringify(notices)
    expect(text).toContain('同步一')
    expect(text).toContain('同步二')
    const jobs = () =>
      db().selectFrom('queue_jobs').select('status').where('kind', '=', SYNC_LOST_NOTICE_JOB).where('org_id', '=', env.orgId).execute()
    await env.waitFor(async () => (await jobs()).every((j) => j.status === 'done'))
    expect(await jobs()).toHaveLength(users.length)
    expect((await syncOnce()).lost).toBe(0)
    expect(await jobs()).toHaveLength(users.length)
  }, 30_000)

  it('每日汇总: no message now, the relations count in the next digest; 关闭: nothing at all', async () => {
    const { from: todayFrom } = digestDay(Date.now() + 24 * HOUR)
    const endedToday = () => countEndedFollows(db(), env.orgId, { from: todayFrom })
    const gone = await silentlyGone(['汇总一', '汇总二'])
    const recipient = gone[0].userid
    await env.caller.lostCustomers.saveAlertSetting({ mode: 'digest', recipients: [recipient] })
    const count0 = await endedToday()
    const before = cards().length
    expect((await syncOnce()).lost).toBe(2)
    expect(await endedToday()).toBe(count0 + 2)
    expect(await env.deps.queue.runUntilIdle()).toBe(0)
    expect(syncNotices(before)).toEqual([])
    // Tomorrow 09:00: the card counts today's losses, the two the sync found among them.
    const r = await runLostDigest({ ...env.deps, clock: new ManualClock(todayFrom + 24 * HOUR + 9 * HOUR) })
    expect(r.sent).toBe(1)
    const card = cards()
      .slice(before)
      .find((m) => m.msgtype === 'textcard')!
    expect(card.touser).toEqual([recipient])
    expect(card.body.description).toContain(`共流失客户 ${count0 + 2} 位`)

    await env.caller.lostCustomers.saveAlertSetting({ mode: 'off' })
    await silentlyGone(['关闭一'])
    const quiet = cards().length
    expect((await syncOnce()).lost).toBe(1)
    expect(await env.deps.queue.runUntilIdle()).toBe(0)
    expect(cards().length).toBe(quiet)
  }, 30_000)
})
