// The customer timeline after a real scan flow: entries, order and actors; a replayed callback adds nothing; paging.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createWecomEnv, type WecomEnv } from '../../testing/wecom-env'
import { processCallbackEvent } from '../callbacks/dispatch'
import { createChannel, type Channel } from '../callbacks/callbacks.test-fixtures'
import { syncCorpTags } from '../tags/tags.service'
import { timelineTitle } from '../../../shared/schemas/customer-timeline'
import { runOrgSync } from './customers.sync'

let env: WecomEnv
let channel: Channel
/** Real time (the queue and the welcome's 20 s window use it) moved on a second per step: each step has its own
 * CreateTime, so two edits of one relation are two callbacks (WeCom's XML, and our dedupe, are to the second). */
let skew = 0
const step = () => (skew += 1000)

beforeAll(async () => {
  env = await createWecomEnv({ clock: { now: () => Date.now() + skew } })
  channel = await createChannel(env, { channelName: '小红书' })
})
afterAll(async () => env?.close())

/** Waits until `n` callback events of the customer are handled, and returns them (oldest first). */
const handled = (ext: string, n: number) =>
  env.waitFor(async () => {
    const rows = await env.deps.db
      .selectFrom('callback_events')
      .selectAll()
      .where('org_id', '=', env.orgId)
      .where('external_userid', '=', ext)
      .where('status', 'in', ['processed', 'ignored', 'failed'])
      .orderBy('id')
      .execute()
    return rows.length >= n ? rows : undefined
  })

const summary = (items: Awaited<ReturnType<WecomEnv['caller']['customers']['timeline']>>['items']) =>
  items.map((e) => [timelineTitle(e), e.actor.type, e.tags.join('、') || e.to || e.text || ''])

describe('customers.timeline', () => {
  it('tells the scan flow, the welcome, two tag changes and two remark edits newest first, with who did each; a replay adds nothing', async () => {
    const scan = await env.sandbox.control.scan(env.corpid, { config_id: channel.configId, customer: { name: '时间线' } })
    const ext = scan.external_userid
    await handled(ext, 1)
    const customer = await env.deps.db.selectFrom('customers').selectAll().where('external_userid', '=', ext).executeTakeFirstOrThrow()
    const client = await env.deps.wecom.for(env.orgId)
    const added = await client.tag.add({ group_name: '客户等级', tag: [{ name: '复购' }, { name: '高意向' }] })
    await syncCorpTags(env.deps, env.orgId)
    const [repeat, hot] = added.tag_group.tag
    const local = await env.deps.db.selectFrom('tags').select(['id', 'tag_id']).where('tag_id', 'in', [repeat.id, hot.id]).execute()
    const repeatRef = local.find((t) => t.tag_id === repeat.id)!.id

    // Ours, from the admin: a tag and a remark.
    step()
    await env.caller.customers.updateTags({ id: customer.id, userid: scan.userid, add: [repeatRef] })
    step()
    await env.caller.customers.updateRemark({ id: customer.id, userid: scan.userid, remark: '林女士' })
    // The member's, in WeCom: a tag and a remark, through edit_external_contact.
    step()
    await env.sandbox.control.editContact(env.corpid, { userid: scan.userid, external_userid: ext, add_tag: [hot.id] })
    const [, editTag] = await handled(ext, 2)
    step()
    await env.sandbox.control.editContact(env.corpid, { userid: scan.userid, external_userid: ext, remark: '老客户' })
    await handled(ext, 3)

    const all = await env.caller.customers.timeline({ id: customer.id, pageSize: 50 })
    expect(summary(all.items)).toEqual([
      ['修改备注', 'staff', '老客户'],
      ['添加标签', 'staff', '高意向'],
      ['修改备注', 'admin', '林女士'],
      ['添加标签', 'admin', '复购'],
      // The way's own tag, put on by us right after the welcome.
      ['添加标签', 'system', expect.stringMatching(/^A级意向/)],
      ['欢迎语已发送', 'system', ''],
      ['添加客户', 'customer', '小红书'],
    ])
    expect(all.total).toBe(7)
    expect(all.items.map((e) => e.at)).toEqual([...all.items.map((e) => e.at)].sort((a, b) => b - a))
    // Who: the member by name, the admin by name, the relation's member on every entry.
    expect(all.items[0].actor.name).not.toBe(scan.userid)
    expect(all.items[2].actor.name).not.toBe('管理员')
    expect(all.items.every((e) => e.staff?.userid === scan.userid)).toBe(true)

    // The tag callback handled again (a redelivery the queue runs twice): nothing new.
    await env.deps.db.updateTable('callback_events').set({ status: 'pending' }).where('id', '=', editTag.id).execute()
    await processCallbackEvent(env.deps, editTag.id)
    const again = await env.caller.customers.timeline({ id: customer.id, pageSize: 50 })
    expect(again.total).toBe(7)
    expect(again.items.map((e) => e.id)).toEqual(all.items.map((e) => e.id))

    // Pages of 3: the same entries, in the same order, none twice; past the end, none.
    const pages = await Promise.all([1, 2, 3].map((page) => env.caller.customers.timeline({ id: customer.id, page, pageSize: 3 })))
    expect(pages.map((p) => p.items.length)).toEqual([3, 3, 1])
    expect(pages.flatMap((p) => p.items.map((e) => e.id))).toEqual(all.items.map((e) => e.id))
    expect(pages.every((p) => p.total === 7)).toBe(true)
    expect((await env.caller.customers.timeline({ id: customer.id, page: 4, pageSize: 3 })).items).toEqual([])
  })

  it('records who ended the relation, and a re-add', async () => {
    const scan = await env.sandbox.control.scan(env.corpid, { config_id: channel.configId })
    const ext = scan.external_userid
    await handled(ext, 1)
    step()
    await env.sandbox.control.customerDeletesStaff(env.corpid, { userid: scan.userid, external_userid: ext })
    await handled(ext, 2)
    step()
    await env.sandbox.control.scan(env.corpid, { config_id: channel.configId, external_userid: ext })
    await handled(ext, 3)
    const customer = await env.deps.db.selectFrom('customers').select('id').where('external_userid', '=', ext).executeTakeFirstOrThrow()
    const t = await env.caller.customers.timeline({ id: customer.id, pageSize: 50 })
    const kinds = t.items.map((e) => [e.kind, e.actor.type])
    expect(kinds).toContainEqual(['lost', 'customer'])
    expect(kinds).toContainEqual(['re_added', 'customer'])
    expect(t.items.findIndex((e) => e.kind === 're_added')).toBeLessThan(t.items.findIndex((e) => e.kind === 'lost'))
    expect(t.items.filter((e) => e.kind === 'added')).toHaveLength(1)
  })

  it('records the tag and remark changes a sync finds, as the system, once', async () => {
    const scan = await env.sandbox.control.scan(env.corpid, { config_id: channel.configId })
    const ext = scan.external_userid
    await handled(ext, 1)
    const customer = await env.deps.db.selectFrom('customers').select('id').where('external_userid', '=', ext).executeTakeFirstOrThrow()
    const before = (await env.caller.customers.timeline({ id: customer.id, pageSize: 50 })).total
    // Changed at WeCom with no callback reaching us: only the sync can see it.
    const follow = env.sandbox.state.corps.get(env.corpid)!.findFollow(scan.userid, ext)!
    follow.tags = []
    follow.remark = '同步备注'
    step()
    await runOrgSync(env.deps, env.orgId, { usersPerCall: 10 })
    const t = await env.caller.customers.timeline({ id: customer.id, pageSize: 50 })
    expect(summary(t.items.slice(0, 2)).sort()).toEqual(
      [
        ['修改备注', 'system', '同步备注'],
        ['移除标签', 'system', expect.stringMatching(/^A级意向/)],
      ].sort(),
    )
    expect(t.items.slice(0, 2).map((e) => e.status)).toEqual(['sync', 'sync'])
    expect(t.total).toBe(before + 2)
    expect(t.items.filter((e) => e.kind === 'added')).toHaveLength(1)
    // A second pass finds nothing new.
    await runOrgSync(env.deps, env.orgId, { usersPerCall: 10 })
    expect((await env.caller.customers.timeline({ id: customer.id, pageSize: 50 })).total).toBe(before + 2)
  })
})
