// notify.* procedures: tenant isolation for each one, roles (members read only their inbox, only the super admin publishes), inbox read state, 公告 to every org.
import { TRPCError } from '@trpc/server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DbHandle } from '../../db/connect'
import { createOrgWithUser, createTestDeps } from '../../testing/deps'
import { createTestDb } from '../../testing/test-db'
import { callerFor, expectTenantIsolation } from '../../testing/tenant'
import { defaultNotifySettings } from '../../../shared/schemas/notify'
import { registerNotificationWorkers } from './notifications.workers'
import { raiseNotification } from './notifications.service'
import { templateSendFinished } from '../callbacks/handlers/oa/template-send-finished'

let handle: DbHandle
let deps: ReturnType<typeof createTestDeps>

beforeAll(async () => {
  handle = await createTestDb()
  deps = createTestDeps(handle)
  registerNotificationWorkers(deps)
})
afterAll(async () => handle?.close())

let seq = 0
async function recharge(orgId: number) {
  return (await raiseNotification(deps, orgId, { scene: 'recharge', dedupeKey: `t:${++seq}`, vars: { amount: 1, balance: 2 } }))!
}

async function failedDelivery(orgId: number, notificationId: number) {
  const now = deps.clock.now()
  const r = await deps.db
    .insertInto('notification_deliveries')
    .values({
      org_id: orgId,
      notification_id: notificationId,
      channel: 'template',
      recipient_kind: 'employee',
      recipient_id: 1,
      recipient_name: '某员工',
      address: 'o-x',
      status: 'failed',
      error: '接收人未关注公众号（错误码 43004）',
      platform_id: null,
      created_at: now,
      updated_at: now,
    })
    .executeTakeFirstOrThrow()
  return Number(r.insertId)
}

describe('notify tenancy', () => {
  it('通知记录 and resend: another org sees none of the notifications and cannot resend their deliveries', async () => {
    await expectTenantIsolation(deps, {
      async seed(_caller, orgA) {
        return failedDelivery(orgA, await recharge(orgA))
      },
      snapshot: (id) => deps.db.selectFrom('notification_deliveries').selectAll().where('id', '=', Number(id)).executeTakeFirst(),
      direct: { resend: (b, id) => b.notify.resend({ id: Number(id) }) },
      lists: {
        records: async (b) => (await b.notify.records({ page: 1, pageSize: 100 })).items.flatMap((n) => n.deliveries.map((d) => d.id)),
      },
    })
  })

  it('站内信: another org’s user cannot read, open or mark a message', async () => {
    await expectTenantIsolation(deps, {
      async seed(_caller, orgA) {
        await recharge(orgA)
        const row = await deps.db.selectFrom('inbox_messages').select('id').where('org_id', '=', orgA).executeTakeFirstOrThrow()
        return row.id
      },
      snapshot: (id) => deps.db.selectFrom('inbox_messages').selectAll().where('id', '=', Number(id)).executeTakeFirst(),
      direct: {
        open: (b, id) => b.notify.open({ id: Number(id) }),
        markRead: (b, id) => b.notify.markRead({ ids: [Number(id)] }),
      },
      lists: {
        inbox: async (b) => (await b.notify.inbox({ page: 1, pageSize: 100 })).items.map((i) => i.id),
        markAllRead: async (b) => {
          await b.notify.markAllRead()
          return []
        },
      },
    })
  })

  it('通知设置: each org reads and saves only its own; a member may not; preview needs the org’s own account', async () => {
    const a = await createOrgWithUser(deps)
    const b = await createOrgWithUser(deps)
    const member = await createOrgWithUser(deps, 'org_member')
    const s = defaultNotifySettings()
    s.thresholds.lowBalance = 321
    await callerFor(deps, a.user).notify.saveSettings(s)
    expect((await callerFor(deps, b.user).notify.settings()).settings.thresholds.lowBalance).toBe(100)
    expect((await callerFor(deps, a.user).notify.settings()).settings.thresholds.lowBalance).toBe(321)
    const refused = await callerFor(deps, member.user)
      .notify.saveSettings(s)
      .catch((e: unknown) => e)
    expect((refused as TRPCError).code).toBe('FORBIDDEN')
    await expect(callerFor(deps, b.user).notify.preview({ scene: 'recharge', templateId: 'x', mapping: {} })).rejects.toThrow(/公众号配置/)
    // Each org's SMS report URL is its own.
    const ua = (await callerFor(deps, a.user).notify.settings()).smsReportUrl
    const ub = (await callerFor(deps, b.user).notify.settings()).smsReportUrl
    expect(ua).not.toBe(ub)
  })
})

describe('站内信 and 公告', () => {
  it('unread count, mark read, mark all read, open returns the jump', async () => {
    const a = await createOrgWithUser(deps)
    const caller = callerFor(deps, a.user)
    for (let i = 0; i < 3; i++) await recharge(a.orgId)
    expect((await caller.notify.unread()).unread).toBe(3)
    const page = await caller.notify.inbox({ page: 1, pageSize: 2 })
    expect(page).toMatchObject({ total: 3, unread: 3 })
    expect(page.items).toHaveLength(2)
    expect(await caller.notify.markRead({ ids: [page.items[0].id] })).toEqual({ marked: 1 })
    const opened = await caller.notify.open({ id: page.items[1].id })
    expect(opened).toMatchObject({ read: true, jumpLabel: '财务中心' })
    expect((await caller.notify.unread()).unread).toBe(1)
    expect((await caller.notify.inbox({ page: 1, pageSize: 10, unreadOnly: true })).total).toBe(1)
    expect(await caller.notify.markAllRead()).toEqual({ marked: 1 })
    expect((await caller.notify.unread()).unread).toBe(0)
  })

  it('only the super admin publishes; every active org gets the announcement once with its first 50 characters', async () => {
    const org1 = await createOrgWithUser(deps)
    const org2 = await createOrgWithUser(deps)
    const admin = await createOrgWithUser(deps, 'super_admin')
    const content = '系统将于本周六凌晨进行升级维护。'.repeat(5)
    const input = { kind: 'upgrade' as const, title: '系统升级通知', content }
    const refused = await callerFor(deps, org1.user)
      .notify.publish(input)
      .catch((e: unknown) => e)
    expect((refused as TRPCError).code).toBe('FORBIDDEN')
    const published = await callerFor(deps, admin.user).notify.publish(input)
    await deps.queue.runUntilIdle()
    await deps.queue.runUntilIdle()
    for (const o of [org1, org2]) {
      const inbox = await callerFor(deps, o.user).notify.inbox({ page: 1, pageSize: 10 })
      const mine = inbox.items.filter((i) => i.title === '系统升级通知')
      expect(mine).toHaveLength(1)
      expect(mine[0].content).toBe(`${[...content].slice(0, 50).join('')}登录系统查看详情`)
      expect(mine[0].jumpLabel).toBe('公告列表')
    }
    const list = await callerFor(deps, org1.user).notify.announcements({ page: 1, pageSize: 10 })
    expect(list.items.map((x) => x.id)).toContain(published.id)
  })
})

describe('TEMPLATESENDJOBFINISH', () => {
  it('closes the sent delivery by msgid: failed:user block → failed with the reason; a report for another org changes nothing', async () => {
    const a = await createOrgWithUser(deps)
    const b = await createOrgWithUser(deps)
    const id = await failedDelivery(a.orgId, await recharge(a.orgId))
    await deps.db
      .updateTable('notification_deliveries')
      .set({ status: 'sent', platform_id: '7001', error: null })
      .where('id', '=', id)
      .execute()
    const ctx = (orgId: number, status: string) => ({
      deps,
      orgId,
      event: {} as never,
      doc: { ToUserName: 'gh', MsgType: 'event', Event: 'TEMPLATESENDJOBFINISH', MsgID: '7001', Status: status },
    })
    expect(await templateSendFinished(ctx(b.orgId, 'success'))).toBe('ignored')
    expect(await templateSendFinished(ctx(a.orgId, 'failed:user block'))).toBe('processed')
    const row = await deps.db.selectFrom('notification_deliveries').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
    expect(row).toMatchObject({ status: 'failed', error: '微信未送达：员工拒收了公众号消息（failed:user block）' })
    // A second report for the same message (a retry of the callback) changes nothing.
    expect(await templateSendFinished(ctx(a.orgId, 'success'))).toBe('ignored')
  })
})
