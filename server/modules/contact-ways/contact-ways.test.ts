// Contact ways against the WeCom sandbox: mirrored CRUD, platform rules, tenancy, counts and stats, QR download, simulated scans.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { TRPCError } from '@trpc/server'
import type { Express } from 'express'
import type { KyselyPlugin } from 'kysely'
import request from 'supertest'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { ZodError } from 'zod'
import { createApp } from '../../app'
import type { Deps } from '../../deps'
import { ManualClock } from '../../lib/clock'
import { PlatformError } from '../../platform/errors'
import { linkOrgToSandboxCorp } from '../../sandbox-link'
import { createOrgWithUser } from '../../testing/deps'
import { callerFor, expectTenantIsolation, type Caller } from '../../testing/tenant'
import { createWecomEnv, type WecomEnv } from '../../testing/wecom-env'
import { login, switchOrg } from '../auth/auth.service'
import { createUser } from '../users/users.service'
import type { Role } from '../../../shared/enums'
import { CHANNEL_PRESETS } from '../../../shared/schemas/contact-way'
import { createContactWayQrRouter, qrContentDisposition } from './contact-ways.qr.route'

const clock = new ManualClock(Date.UTC(2026, 10, 21, 1, 0, 0))
let env: WecomEnv
let app: Express

beforeAll(async () => {
  // Workers off: no scan worker writes follow relations behind the tests' back, so counts are exactly what we insert.
  env = await createWecomEnv({ clock, workers: false })
  app = createApp({ deps: env.deps, rawRoutes: [createContactWayQrRouter(env.deps)], sandboxRouter: env.sandbox.router })
})
afterAll(async () => env?.close())
afterEach(() => {
  env.sandbox.control.clearFaults()
})

interface TestOrg {
  orgId: number
  corpid: string
  caller: Caller
}

let seq = 0

/** A fresh org linked to a fresh sandbox corp with three customer-contact members. */
async function newOrg(): Promise<TestOrg> {
  const corp = env.sandbox.control.createCorp({
    name: `诊所${++seq}`,
    members: [
      { userid: 'zhangli', name: '张丽' },
      { userid: 'wangfang', name: '王芳' },
      { userid: 'liuyang', name: '刘洋' },
    ],
  })
  const { orgId, user } = await createOrgWithUser(env.deps, 'org_admin')
  await linkOrgToSandboxCorp(env.deps, env.sandbox, orgId, corp.corpid)
  return { orgId, corpid: corp.corpid, caller: callerFor(env.deps, user) }
}

/** A user of the org with a real session, for the HTTP routes. */
async function sessionFor(orgId: number, role: Role = 'org_admin'): Promise<string> {
  const username = `u${++seq}${Math.random().toString(36).slice(2, 6)}`
  await createUser(env.deps, orgId, { username, displayName: '测试', password: 'password-123', role })
  const { token } = await login(env.deps, { username, password: 'password-123', ip: '10.0.0.1', userAgent: 'test' })
  return `crm_sid=${token}`
}

async function wecomTag(orgId: number, tagId: string): Promise<void> {
  const now = clock.now()
  const g = await env.deps.db
    .insertInto('tag_groups')
    .values({
      org_id: orgId,
      group_id: `grp-${tagId}`,
      name: `组${tagId}`,
      sort_order: 0,
      source: 'wecom',
      created_at: now,
      updated_at: now,
    })
    .executeTakeFirstOrThrow()
  await env.deps.db
    .insertInto('tags')
    .values({
      org_id: orgId,
      group_ref: Number(g.insertId),
      tag_id: tagId,
      name: `标签${tagId}`,
      sort_order: 0,
      source: 'wecom',
      created_at: now,
      updated_at: now,
    })
    .execute()
}

/** A customer and their follow relation attributed to a contact way, as the scan worker would write them. */
async function follow(
  orgId: number,
  wayId: number | null,
  externalUserid: string,
  createtime: number,
  lost?: { at: number | null },
): Promise<void> {
  const db = env.deps.db
  const c = await db
    .insertInto('customers')
    .values({
      org_id: orgId,
      external_userid: externalUserid,
      name: '客户',
      avatar: null,
      type: 1,
      gender: 0,
      unionid: null,
      position: null,
      corp_name: null,
      corp_full_name: null,
      channel_state: null,
      contact_way_id: wayId,
      status: lost ? 'lost' : 'active',
      first_added_at: createtime,
      created_at: createtime,
      updated_at: createtime,
    })
    .executeTakeFirstOrThrow()
  await db
    .insertInto('customer_follows')
    .values({
      org_id: orgId,
      customer_id: Number(c.insertId),
      userid: 'zhangli',
      remark: '',
      description: '',
      remark_mobiles: '[]',
      add_way: 1,
      state: '',
      oper_userid: externalUserid,
      contact_way_id: wayId,
      createtime,
      status: lost ? 'lost' : 'active',
      lost_at: lost?.at ?? null,
      deleted_at: null,
      updated_at: lost?.at ?? createtime + 1,
    })
    .execute()
}

const sandboxWays = (corpid: string) => env.sandbox.control.getCorp(corpid).contact_ways as Array<Record<string, unknown>>
const sandboxWay = (corpid: string, configId: string | null) => sandboxWays(corpid).find((w) => w.config_id === configId)
const localCount = async (orgId: number) =>
  Number(
    (
      await env.deps.db
        .selectFrom('contact_ways')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('org_id', '=', orgId)
        .executeTakeFirstOrThrow()
    ).n,
  )
const wecomCalls = (endpoint: string) => env.sandbox.control.getCounters().endpoints[endpoint]?.calls ?? 0
const failWecom = (endpoint: string, errcode: number) =>
  env.sandbox.control.setFaults({ rules: [{ endpoint, errorRate: 1, errorCodes: [errcode] }] })

async function rejection(p: Promise<unknown>): Promise<TRPCError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  )
  expect(err, 'expected the call to fail').toBeInstanceOf(TRPCError)
  return err as TRPCError
}
const fieldsOf = (err: TRPCError) => {
  const zod = err.cause instanceof ZodError ? err.cause : err.cause?.cause instanceof ZodError ? err.cause.cause : null
  return zod ? zod.issues.map((i) => i.path.join('.')) : []
}

const baseWay = { channelName: '小红书', state: 'xiaohongshu', type: 2 as const, userIds: ['zhangli', 'wangfang'] }

describe('contactWays.create', () => {
  it('creates the way at WeCom first, then stores it with config_id and qr_code; the sandbox holds the same fields', async () => {
    const o = await newOrg()
    await wecomTag(o.orgId, 'et_vip')
    const view = await o.caller.contactWays.create({
      ...baseWay,
      remark: '春季活动',
      skipVerify: false,
      tagIds: ['et_vip'],
      welcome: { text: '您好，欢迎咨询' },
    })
    expect(view).toMatchObject({
      channelName: '小红书',
      state: 'xiaohongshu',
      type: 2,
      scene: 2,
      remark: '春季活动',
      skipVerify: false,
      userIds: ['zhangli', 'wangfang'],
      partyIds: [],
      isTemp: false,
      expiresAt: null,
      expired: false,
      tagIds: ['et_vip'],
      welcome: { text: '您好，欢迎咨询', attachments: [] },
      counts: { added: 0, lost: 0, net: 0, recent: { added: 0, lost: 0, net: 0 } },
      external: false,
    })
    expect(view.configId).toMatch(/^[0-9a-f]{32}$/)
    expect(view.qrCode).toBe(`${env.baseUrl}/sandbox/wecom/qr/${view.configId}.png`)

    const row = await env.deps.db.selectFrom('contact_ways').selectAll().where('id', '=', view.id).executeTakeFirstOrThrow()
    expect(row).toMatchObject({
      org_id: o.orgId,
      config_id: view.configId,
      qr_code: view.qrCode,
      skip_verify: 0,
      is_temp: 0,
      user_ids: '["zhangli","wangfang"]',
      tag_ids: '["et_vip"]',
    })
    expect(sandboxWay(o.corpid, view.configId)).toMatchObject({
      type: 2,
      scene: 2,
      remark: '春季活动',
      state: 'xiaohongshu',
      skip_verify: false,
      user: ['zhangli', 'wangfang'],
      party: [],
      is_temp: false,
      is_exclusive: false,
      qr_code: view.qrCode,
    })
    expect(await o.caller.contactWays.get({ id: view.id })).toEqual(view)
  })

  it('creates a temp-chat way with its expiry and conclusions mirrored at WeCom', async () => {
    const o = await newOrg()
    const view = await o.caller.contactWays.create({
      channelName: '面诊',
      state: 'mianzhen',
      type: 1,
      userIds: ['liuyang'],
      isTemp: true,
      expiresIn: 3 * 86400,
      conclusions: { text: { content: '感谢咨询' } },
    })
    expect(view).toMatchObject({
      isTemp: true,
      expiresIn: 3 * 86400,
      chatExpiresIn: 86400,
      expiresAt: clock.now() + 3 * 86400_000,
      expired: false,
      conclusions: { text: { content: '感谢咨询' } },
    })
    expect(sandboxWay(o.corpid, view.configId)).toMatchObject({
      type: 1,
      user: ['liuyang'],
      is_temp: true,
      expires_in: 3 * 86400,
      chat_expires_in: 86400,
      conclusions: { text: { content: '感谢咨询' } },
    })
  })

  it.each([
    ['state longer than 30 characters', { state: 's'.repeat(31) }, 'state'],
    ['remark longer than 30 characters', { remark: '备'.repeat(31) }, 'remark'],
    ['single-user type with two users', { type: 1, userIds: ['zhangli', 'wangfang'] }, 'userIds'],
    ['temp chat on a multi-user way', { isTemp: true }, 'isTemp'],
    ['temp QR valid longer than 14 days', { type: 1, userIds: ['zhangli'], isTemp: true, expiresIn: 14 * 86400 + 1 }, 'expiresIn'],
    ['conclusions without temp chat', { conclusions: { text: { content: '再见' } } }, 'conclusions'],
  ] as const)('refuses %s with a 400 naming the field, writing nothing locally nor at WeCom', async (_name, change, field) => {
    const o = await newOrg()
    const addsBefore = wecomCalls('externalcontact/add_contact_way')
    const err = await rejection(o.caller.contactWays.create({ ...baseWay, ...change } as never))
    expect(err.code).toBe('BAD_REQUEST')
    expect(fieldsOf(err)).toContain(field)
    expect(await localCount(o.orgId)).toBe(0)
    expect(sandboxWays(o.corpid)).toHaveLength(0)
    expect(wecomCalls('externalcontact/add_contact_way')).toBe(addsBefore)
  })

  it('keeps state unique per org, checked before WeCom is called; another org may use the same state', async () => {
    const a = await newOrg()
    const b = await newOrg()
    await a.caller.contactWays.create({ ...baseWay, state: 'douyin' })
    // Were WeCom asked first, this fault would be the answer instead of the conflict.
    failWecom('externalcontact/add_contact_way', 48002)
    const err = await rejection(a.caller.contactWays.create({ ...baseWay, channelName: '抖音2', state: 'douyin' }))
    expect(err).toMatchObject({ code: 'CONFLICT', message: '渠道标识 douyin 已被使用' })
    env.sandbox.control.clearFaults()
    expect(sandboxWays(a.corpid)).toHaveLength(1)
    expect(await localCount(a.orgId)).toBe(1)
    await expect(b.caller.contactWays.create({ ...baseWay, state: 'douyin' })).resolves.toMatchObject({ state: 'douyin' })
  })

  it('refuses members who are not active staff of the org and tags that are not its WeCom tags, naming them', async () => {
    const o = await newOrg()
    const addsBefore = wecomCalls('externalcontact/add_contact_way')
    const staff = await rejection(o.caller.contactWays.create({ ...baseWay, userIds: ['zhangli', 'ghost'] }))
    expect(staff.code).toBe('BAD_REQUEST')
    expect(staff.message).toContain('ghost')
    expect(staff.message).not.toContain('zhangli')
    await env.deps.db
      .updateTable('wecom_staff')
      .set({ status: 'inactive' })
      .where('org_id', '=', o.orgId)
      .where('userid', '=', 'wangfang')
      .execute()
    expect((await rejection(o.caller.contactWays.create(baseWay))).message).toContain('wangfang')
    const other = await newOrg()
    await wecomTag(other.orgId, 'et_other')
    const tag = await rejection(o.caller.contactWays.create({ ...baseWay, userIds: ['zhangli'], tagIds: ['et_other'] }))
    expect(tag.code).toBe('BAD_REQUEST')
    expect(tag.message).toContain('et_other')
    expect(wecomCalls('externalcontact/add_contact_way')).toBe(addsBefore)
    expect(await localCount(o.orgId)).toBe(0)
  })

  it('returns the WeCom error (errcode + hint) and writes nothing when WeCom refuses', async () => {
    const o = await newOrg()
    failWecom('externalcontact/add_contact_way', 48002)
    const fault = await rejection(o.caller.contactWays.create(baseWay))
    expect(fault.cause).toBeInstanceOf(PlatformError)
    expect(fault.cause).toMatchObject({ errcode: 48002 })
    expect(fault.message).toContain('48002')
    expect(fault.message).toContain('客户联系')
    env.sandbox.control.clearFaults()

    // A member who left after the last staff sync: known here, unknown to WeCom.
    await env.deps.db
      .insertInto('wecom_staff')
      .values({ org_id: o.orgId, userid: 'leaver', name: '离职', status: 'active', synced_at: clock.now() })
      .execute()
    const unknown = await rejection(o.caller.contactWays.create({ ...baseWay, type: 1, userIds: ['leaver'] }))
    expect(unknown).toMatchObject({ code: 'BAD_REQUEST', cause: { errcode: 60111 } })
    expect(unknown.message).toContain('UserID')
    expect(await localCount(o.orgId)).toBe(0)
    expect(sandboxWays(o.corpid)).toHaveLength(0)
  })

  it('takes the way back at WeCom when another admin stored the same state while WeCom was answering', async () => {
    const o = await newOrg()
    env.sandbox.control.setFaults({ rules: [{ endpoint: 'externalcontact/add_contact_way', latencyMs: 300 }] })
    const addsBefore = wecomCalls('externalcontact/add_contact_way')
    const creating = rejection(o.caller.contactWays.create({ ...baseWay, state: 'race' }))
    await env.waitFor(async () => wecomCalls('externalcontact/add_contact_way') > addsBefore)
    const now = clock.now()
    await env.deps.db
      .insertInto('contact_ways')
      .values({
        org_id: o.orgId,
        config_id: null,
        type: 1,
        scene: 2,
        style: null,
        remark: '',
        skip_verify: 1,
        state: 'race',
        channel_name: '别人',
        user_ids: '["zhangli"]',
        party_ids: '[]',
        is_temp: 0,
        expires_in: null,
        chat_expires_in: null,
        unionid: null,
        is_exclusive: 0,
        conclusions: null,
        welcome: null,
        tag_ids: '[]',
        qr_code: null,
        created_by: null,
        created_at: now,
        updated_at: now,
      })
      .execute()
    expect(await creating).toMatchObject({ code: 'CONFLICT', message: '渠道标识 race 已被使用' })
    expect(sandboxWays(o.corpid)).toHaveLength(0)
    expect(await localCount(o.orgId)).toBe(1)
  })

  it('is for org admins only', async () => {
    const o = await newOrg()
    const member = await createOrgWithUser(env.deps, 'org_member')
    await linkOrgToSandboxCorp(env.deps, env.sandbox, member.orgId, o.corpid)
    const err = await rejection(callerFor(env.deps, member.user).contactWays.create(baseWay))
    expect(err.code).toBe('FORBIDDEN')
    await expect(callerFor(env.deps, member.user).contactWays.list({})).resolves.toMatchObject({ total: 0 })
  })
})

describe('contactWays.update / remove', () => {
  it('mirrors changes at WeCom, keeps omitted fields, re-checks state and the platform rules', async () => {
    const o = await newOrg()
    await wecomTag(o.orgId, 'et_a')
    const way = await o.caller.contactWays.create({ ...baseWay, skipVerify: false, tagIds: ['et_a'], welcome: { text: '欢迎' } })
    const other = await o.caller.contactWays.create({ ...baseWay, channelName: '抖音', state: 'douyin', type: 1, userIds: ['zhangli'] })

    const updated = await o.caller.contactWays.update({ id: way.id, remark: '新备注', state: 'xhs_2', userIds: ['liuyang'] })
    expect(updated).toMatchObject({
      remark: '新备注',
      state: 'xhs_2',
      userIds: ['liuyang'],
      skipVerify: false,
      tagIds: ['et_a'],
      welcome: { text: '欢迎' },
    })
    expect(sandboxWay(o.corpid, way.configId)).toMatchObject({ remark: '新备注', state: 'xhs_2', user: ['liuyang'], skip_verify: false })

    // Local-only fields do not need WeCom: with update_contact_way failing, the change still goes through.
    failWecom('externalcontact/update_contact_way', 48002)
    const renamed = await o.caller.contactWays.update({ id: way.id, channelName: '小红书二期', welcome: null })
    expect(renamed).toMatchObject({
      channelName: '小红书二期',
      welcome: null,
      remark: '新备注',
      userIds: ['liuyang'],
      skipVerify: false,
      tagIds: ['et_a'],
    })

    // A WeCom refusal leaves the local row as it was.
    const refused = await rejection(o.caller.contactWays.update({ id: way.id, remark: '不会保存' }))
    expect(refused.cause).toMatchObject({ errcode: 48002 })
    expect((await o.caller.contactWays.get({ id: way.id })).remark).toBe('新备注')
    env.sandbox.control.clearFaults()

    const updatesBefore = wecomCalls('externalcontact/update_contact_way')
    expect(await rejection(o.caller.contactWays.update({ id: way.id, state: 'douyin' }))).toMatchObject({
      code: 'CONFLICT',
      message: '渠道标识 douyin 已被使用',
    })
    const conclusions = await rejection(o.caller.contactWays.update({ id: way.id, conclusions: { text: { content: '再见' } } }))
    expect(fieldsOf(conclusions)).toEqual(['conclusions'])
    const twoUsers = await rejection(o.caller.contactWays.update({ id: other.id, userIds: ['zhangli', 'wangfang'] }))
    expect(fieldsOf(twoUsers)).toEqual(['userIds'])
    expect((await rejection(o.caller.contactWays.update({ id: way.id, userIds: ['ghost'] }))).message).toContain('ghost')
    expect(wecomCalls('externalcontact/update_contact_way')).toBe(updatesBefore)
    expect(sandboxWay(o.corpid, way.configId)).toMatchObject({ state: 'xhs_2', user: ['liuyang'] })
    expect(sandboxWay(o.corpid, other.configId)).toMatchObject({ user: ['zhangli'] })
  })

  it('refuses to edit a temp-chat way whose QR code has expired', async () => {
    const o = await newOrg()
    const way = await o.caller.contactWays.create({
      channelName: '临时',
      state: 'temp1',
      type: 1,
      userIds: ['zhangli'],
      isTemp: true,
      expiresIn: 3600,
    })
    await expect(o.caller.contactWays.update({ id: way.id, remark: '还在有效期' })).resolves.toMatchObject({ remark: '还在有效期' })
    clock.advance(3600_000)
    expect(await o.caller.contactWays.get({ id: way.id })).toMatchObject({ expired: true })
    const err = await rejection(o.caller.contactWays.update({ id: way.id, remark: '过期后' }))
    expect(err).toMatchObject({ code: 'PRECONDITION_FAILED' })
    expect(sandboxWay(o.corpid, way.configId)).toMatchObject({ remark: '还在有效期' })
  })

  it('deletes at WeCom, then locally; a way WeCom no longer has is still removed here; a refusal keeps the row', async () => {
    const o = await newOrg()
    const a = await o.caller.contactWays.create(baseWay)
    await expect(o.caller.contactWays.remove({ id: a.id })).resolves.toEqual({ ok: true, alreadyGoneAtWecom: false })
    expect(sandboxWay(o.corpid, a.configId)).toBeUndefined()
    expect(await localCount(o.orgId)).toBe(0)

    const b = await o.caller.contactWays.create({ ...baseWay, state: 'b' })
    await (await env.deps.wecom.for(o.orgId)).contactWay.del(b.configId!)
    await expect(o.caller.contactWays.remove({ id: b.id })).resolves.toEqual({ ok: true, alreadyGoneAtWecom: true })
    expect(await localCount(o.orgId)).toBe(0)

    const c = await o.caller.contactWays.create({ ...baseWay, state: 'c' })
    failWecom('externalcontact/del_contact_way', 48002)
    expect((await rejection(o.caller.contactWays.remove({ id: c.id }))).cause).toMatchObject({ errcode: 48002 })
    expect(await localCount(o.orgId)).toBe(1)
    expect(sandboxWay(o.corpid, c.configId)).toBeDefined()
    env.sandbox.control.clearFaults()
    await expect(o.caller.contactWays.get({ id: 999_999 })).rejects.toMatchObject({ code: 'NOT_FOUND' })
  })
})

describe('contactWays.list / stats / presets', () => {
  it('paginates newest first, searches name/state/remark (wildcards literal), filters, and counts follows per way', async () => {
    const o = await newOrg()
    const make = async (v: Record<string, unknown>) => {
      clock.advance(1000)
      return o.caller.contactWays.create({ ...baseWay, ...v } as never)
    }
    const w1 = await make({ channelName: '小红书', state: 'wx_a', remark: '笔记' })
    const w2 = await make({ channelName: '抖音', state: 'wxab' })
    const w3 = await make({ channelName: '百度', state: 'baidu', remark: '搜索广告' })
    const w4 = await make({ channelName: '门店', state: 'store', type: 1, userIds: ['zhangli'], isTemp: true })
    const w5 = await make({ channelName: '朋友圈', state: 'pyq', type: 1, userIds: ['wangfang'] })

    const t = clock.now()
    await follow(o.orgId, w1.id, `e1-${o.orgId}`, t)
    await follow(o.orgId, w1.id, `e2-${o.orgId}`, t)
    await follow(o.orgId, w1.id, `e3-${o.orgId}`, t, { at: t + 5 })
    await follow(o.orgId, w3.id, `e4-${o.orgId}`, t, { at: t + 5 })
    await follow(o.orgId, null, `e5-${o.orgId}`, t)
    // Added 40 days ago and lost 31 days ago: in 累计, not in 近30天.
    await follow(o.orgId, w2.id, `e6-${o.orgId}`, t - 40 * 86_400_000, { at: t - 31 * 86_400_000 })

    const page1 = await o.caller.contactWays.list({ page: 1, pageSize: 2 })
    expect(page1.total).toBe(5)
    expect(page1.items.map((i) => i.id)).toEqual([w5.id, w4.id])
    const page3 = await o.caller.contactWays.list({ page: 3, pageSize: 2 })
    expect(page3.items.map((i) => i.id)).toEqual([w1.id])

    const all = await o.caller.contactWays.list({ pageSize: 100 })
    const counts = Object.fromEntries(all.items.map((i) => [i.id, i.counts]))
    expect(counts[w1.id]).toEqual({ added: 3, lost: 1, net: 2, recent: { added: 3, lost: 1, net: 2 } })
    expect(counts[w3.id]).toEqual({ added: 1, lost: 1, net: 0, recent: { added: 1, lost: 1, net: 0 } })
    expect(counts[w2.id]).toEqual({ added: 1, lost: 1, net: 0, recent: { added: 0, lost: 0, net: 0 } })

    const ids = async (input: Parameters<Caller['contactWays']['list']>[0]) =>
      (await o.caller.contactWays.list(input)).items.map((i) => i.id)
    expect(await ids({ q: 'wx_' })).toEqual([w1.id])
    expect(await ids({ q: 'wx' })).toEqual([w2.id, w1.id])
    expect(await ids({ q: '抖' })).toEqual([w2.id])
    expect(await ids({ q: '广告' })).toEqual([w3.id])
    expect(await ids({ q: '100%' })).toEqual([])
    expect(await ids({ type: 1 })).toEqual([w5.id, w4.id])
    expect(await ids({ isTemp: true })).toEqual([w4.id])
    expect(await ids({ isTemp: false, type: 2, q: 'b' })).toEqual([w3.id, w2.id])
    await expect(o.caller.contactWays.list({ pageSize: 101 })).rejects.toMatchObject({ code: 'BAD_REQUEST' })
  })

  it('counts a page with a fixed number of queries, whatever its size (no N+1)', async () => {
    const o = await newOrg()
    for (const s of ['q1', 'q2', 'q3', 'q4']) await o.caller.contactWays.create({ ...baseWay, state: s })
    let queries = 0
    const counter: KyselyPlugin = {
      transformQuery: (args) => {
        queries++
        return args.node
      },
      transformResult: async (args) => args.result,
    }
    const counted: Deps = { ...env.deps, db: env.deps.db.withPlugin(counter) }
    const user = (await createOrgWithUser(env.deps, 'org_admin')).user
    const caller = callerFor(counted, { ...user, orgId: o.orgId, actingOrgId: o.orgId })
    const run = async (pageSize: number) => {
      queries = 0
      const page = await caller.contactWays.list({ pageSize })
      return { n: page.items.length, queries }
    }
    const one = await run(1)
    const four = await run(4)
    expect([one.n, four.n]).toEqual([1, 4])
    expect(four.queries).toBe(one.queries)
  })

  it('gives added/lost/net and a Shanghai-day series, identical on both dialects, after customers scanned', async () => {
    const o = await newOrg()
    const way = await o.caller.contactWays.create({ ...baseWay, state: 'stats' })
    const other = await o.caller.contactWays.create({ ...baseWay, state: 'stats-other' })
    // Each customer really scans at the sandbox; the follow rows are written here with chosen times.
    const scan = async () => (await env.sandbox.control.scan(o.corpid, { config_id: way.configId!, wait: false })).external_userid
    const at = (iso: string) => Date.parse(iso)
    await follow(o.orgId, way.id, await scan(), at('2026-11-20T15:59:59.999Z')) // 11-20 23:59:59.999 in Shanghai
    await follow(o.orgId, way.id, await scan(), at('2026-11-20T16:00:00.000Z')) // 11-21 00:00 in Shanghai
    await follow(o.orgId, way.id, await scan(), at('2026-11-21T10:00:00.000Z'), { at: at('2026-11-23T02:00:00.000Z') })
    await follow(o.orgId, way.id, await scan(), at('2026-11-23T01:00:00.000Z'))
    await follow(o.orgId, other.id, `x-${o.orgId}`, at('2026-11-21T10:00:00.000Z'), { at: at('2026-11-21T11:00:00.000Z') })
    expect(env.sandbox.control.getCorp(o.corpid).counts.relations).toBe(4)

    expect(await o.caller.contactWays.stats({ id: way.id })).toEqual({
      added: 4,
      lost: 1,
      net: 3,
      byDay: [
        { day: '2026-11-20', added: 1, lost: 0 },
        { day: '2026-11-21', added: 2, lost: 0 },
        { day: '2026-11-22', added: 0, lost: 0 },
        { day: '2026-11-23', added: 1, lost: 1 },
      ],
    })
    // One Shanghai day, 11-21 00:00 to 23:59:59.999, as a date picker sends it.
    expect(
      await o.caller.contactWays.stats({ id: way.id, from: at('2026-11-20T16:00:00.000Z'), to: at('2026-11-21T15:59:59.999Z') }),
    ).toEqual({
      added: 2,
      lost: 0,
      net: 2,
      byDay: [{ day: '2026-11-21', added: 2, lost: 0 }],
    })
    expect(
      await o.caller.contactWays.stats({ id: way.id, from: at('2026-11-22T16:00:00.000Z'), to: at('2026-11-24T15:59:59.999Z') }),
    ).toEqual({
      added: 1,
      lost: 1,
      net: 0,
      byDay: [
        { day: '2026-11-23', added: 1, lost: 1 },
        { day: '2026-11-24', added: 0, lost: 0 },
      ],
    })
    const empty = await o.caller.contactWays.create({ ...baseWay, state: 'stats-empty' })
    expect(await o.caller.contactWays.stats({ id: empty.id })).toEqual({ added: 0, lost: 0, net: 0, byDay: [] })
    expect(fieldsOf(await rejection(o.caller.contactWays.stats({ id: way.id, from: 10, to: 5 })))).toEqual(['to'])
  })

  it('offers the channel presets whose state is still free', async () => {
    const o = await newOrg()
    expect(await o.caller.contactWays.presets()).toEqual(CHANNEL_PRESETS.map((p) => ({ ...p })))
    await o.caller.contactWays.create({ ...baseWay, channelName: '抖音', state: 'douyin' })
    expect((await o.caller.contactWays.presets()).map((p) => p.state)).toEqual(['xiaohongshu', 'pengyouquan', 'baidu', 'offline'])
  })
})

describe('temp chats and simulated scans', () => {
  it('closes an open temp chat at WeCom and reports WeCom refusing a chat that is not open', async () => {
    const o = await newOrg()
    const way = await o.caller.contactWays.create({
      channelName: '面诊',
      state: 'consult',
      type: 1,
      userIds: ['zhangli'],
      isTemp: true,
      conclusions: { text: { content: '再会' } },
    })
    const scan = await env.sandbox.control.scan(o.corpid, { config_id: way.configId!, wait: false })
    await expect(o.caller.contactWays.closeTempChat({ userid: scan.userid, externalUserid: scan.external_userid })).resolves.toEqual({
      ok: true,
    })
    const log = env.sandbox.control.logs({ kind: 'temp_chat', corpid: o.corpid }).items
    expect(log).toEqual([
      expect.objectContaining({ userid: 'zhangli', external_userid: scan.external_userid, conclusions: { text: { content: '再会' } } }),
    ])
    const again = await rejection(o.caller.contactWays.closeTempChat({ userid: scan.userid, externalUserid: scan.external_userid }))
    expect(again).toMatchObject({ code: 'BAD_REQUEST', cause: { errcode: 40058 } })
  })

  it('simulates a scan through the in-process sandbox only when the sandbox is on', async () => {
    const o = await newOrg()
    const way = await o.caller.contactWays.create({ ...baseWay, state: 'sim' })
    const r = await o.caller.contactWays.simulateScan({ id: way.id, name: '小美' })
    expect(r.externalUserid).toMatch(/^wm/)
    expect(r.welcomeCode).toBeTruthy()
    expect(['zhangli', 'wangfang']).toContain(r.userid)
    // The scan reaches our callback route like Tencent's would, carrying the way's state.
    const event = await env.waitFor(() =>
      env.deps.db
        .selectFrom('callback_events')
        .select(['plaintext', 'change_type'])
        .where('org_id', '=', o.orgId)
        .where('external_userid', '=', r.externalUserid)
        .executeTakeFirst(),
    )
    expect(event.change_type).toBe('add_external_contact')
    expect(event.plaintext).toContain('<State><![CDATA[sim]]></State>')
    expect(event.plaintext).toContain(`<WelcomeCode><![CDATA[${r.welcomeCode}]]></WelcomeCode>`)

    const again = await o.caller.contactWays.simulateScan({ id: way.id, externalUserid: r.externalUserid })
    expect(again.externalUserid).toBe(r.externalUserid)

    const { user } = await createOrgWithUser(env.deps, 'org_admin')
    const sameOrg = { ...user, orgId: o.orgId, actingOrgId: o.orgId }
    const production: Deps = { ...env.deps, config: { ...env.deps.config, sandbox: false } }
    expect(await rejection(callerFor(production, sameOrg).contactWays.simulateScan({ id: way.id }))).toMatchObject({ code: 'FORBIDDEN' })
    // Sandbox mode, but no sandbox attached to these deps (another process runs it).
    const detached: Deps = { ...env.deps, sandbox: undefined }
    expect(await rejection(callerFor(detached, sameOrg).contactWays.simulateScan({ id: way.id }))).toMatchObject({
      code: 'PRECONDITION_FAILED',
    })
  })
})

describe('GET /api/contact-ways/:id/qr.png', () => {
  let upstream: Server
  let upstreamUrl: string
  beforeAll(async () => {
    // Stands in for a misbehaving image host.
    upstream = createServer((req, res) => {
      if (req.url === '/big.png') {
        res.writeHead(200, { 'content-type': 'image/png' })
        res.end(Buffer.alloc(2 * 1024 * 1024 + 1))
      } else {
        res.writeHead(200, { 'content-type': 'text/html' })
        res.end('<html>not an image</html>')
      }
    })
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve))
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`
  })
  afterAll(async () => new Promise<void>((resolve) => upstream.close(() => resolve())))

  /** Collects the raw bytes, whatever the content type. */
  const binary = (res: request.Response, cb: (err: Error | null, body: Buffer) => void) => {
    const stream = res as unknown as NodeJS.ReadableStream
    const chunks: Buffer[] = []
    stream.on('data', (c: Buffer) => chunks.push(c))
    stream.on('end', () => cb(null, Buffer.concat(chunks)))
  }

  it('streams the PNG as an attachment named after the channel, for a session of the way’s org only', async () => {
    const o = await newOrg()
    const way = await o.caller.contactWays.create({ ...baseWay, channelName: '小红书 春季', state: 'xhs-spring' })
    const cookie = await sessionFor(o.orgId, 'org_member')
    const res = await request(app).get(`/api/contact-ways/${way.id}/qr.png`).set('Cookie', cookie).buffer(true).parse(binary)
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toBe('image/png')
    expect((res.body as Buffer).subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
    expect(res.headers['content-disposition']).toBe(
      `attachment; filename="contact-way-xhs-spring.png"; filename*=UTF-8''${encodeURIComponent('联系我-小红书 春季-xhs-spring.png')}`,
    )
    expect(res.headers['cache-control']).toBe('private, no-store')

    expect((await request(app).get(`/api/contact-ways/${way.id}/qr.png`)).status).toBe(401)
    expect(
      (await request(app).get(`/api/contact-ways/${way.id}/qr.png`).set('Cookie', 'crm_sid=not-a-real-session-token-000000')).status,
    ).toBe(401)
    const stranger = await newOrg()
    expect(
      (
        await request(app)
          .get(`/api/contact-ways/${way.id}/qr.png`)
          .set('Cookie', await sessionFor(stranger.orgId))
      ).status,
    ).toBe(404)
    expect((await request(app).get('/api/contact-ways/999999/qr.png').set('Cookie', cookie)).status).toBe(404)
    expect((await request(app).get('/api/contact-ways/abc/qr.png').set('Cookie', cookie)).status).toBe(404)
  })

  it('lets a platform admin download in the org they act in', async () => {
    const o = await newOrg()
    const way = await o.caller.contactWays.create({ ...baseWay, state: 'sa-qr' })
    const username = `sa${++seq}`
    await createUser(env.deps, null, { username, displayName: '平台', password: 'password-123', role: 'super_admin' })
    const s = await login(env.deps, { username, password: 'password-123', ip: '10.0.0.2', userAgent: 'test' })
    const url = `/api/contact-ways/${way.id}/qr.png`
    await switchOrg(env.deps, s.user, o.orgId)
    expect((await request(app).get(url).set('Cookie', `crm_sid=${s.token}`)).status).toBe(200)
    const elsewhere = await newOrg()
    await switchOrg(env.deps, s.user, elsewhere.orgId)
    expect((await request(app).get(url).set('Cookie', `crm_sid=${s.token}`)).status).toBe(404)
  })

  it('builds a safe file name: reserved characters replaced, RFC 5987 encoding, ASCII fallback', () => {
    expect(qrContentDisposition('小红书(春)/A', 'xhs')).toBe(
      `attachment; filename="contact-way-xhs.png"; filename*=UTF-8''${encodeURIComponent('联系我-小红书')}%28${encodeURIComponent('春')}%29_A-xhs.png`,
    )
  })

  it('answers 502 when the stored URL is not http(s), not an image, or larger than 2 MB', async () => {
    const o = await newOrg()
    const way = await o.caller.contactWays.create({ ...baseWay, state: 'qr-guard' })
    const cookie = await sessionFor(o.orgId)
    const get = async (qr: string) => {
      await env.deps.db.updateTable('contact_ways').set({ qr_code: qr }).where('id', '=', way.id).execute()
      return request(app).get(`/api/contact-ways/${way.id}/qr.png`).set('Cookie', cookie)
    }
    const ftp = await get('ftp://example.com/qr.png')
    expect([ftp.status, ftp.body.error]).toEqual([502, '二维码地址只能是 http 或 https'])
    const html = await get(`${upstreamUrl}/page`)
    expect(html.status).toBe(502)
    expect(html.body.error).toContain('不是图片')
    const big = await get(`${upstreamUrl}/big.png`)
    expect([big.status, big.body.error]).toEqual([502, '二维码图片超过 2 MB'])
  })
})

describe('over HTTP', () => {
  it('names the invalid field in the message and carries WeCom’s errcode in data.platform', async () => {
    const o = await newOrg()
    const cookie = await sessionFor(o.orgId)
    const bad = await request(app)
      .post('/trpc/contactWays.create')
      .set('Cookie', cookie)
      .send({ ...baseWay, state: 's'.repeat(31) })
    expect(bad.status).toBe(400)
    expect(bad.body.error.message).toContain('state')
    expect(bad.body.error.data.fieldErrors).toHaveProperty('state')

    failWecom('externalcontact/add_contact_way', 48002)
    const refused = await request(app).post('/trpc/contactWays.create').set('Cookie', cookie).send(baseWay)
    expect(refused.body.error.data.platform).toMatchObject({ errcode: 48002, endpoint: '/cgi-bin/externalcontact/add_contact_way' })
    expect(await localCount(o.orgId)).toBe(0)
  })
})

describe('tenant isolation', () => {
  it('keeps every contact way procedure inside the session’s org', async () => {
    let corpid = ''
    await expectTenantIsolation(env.deps, {
      async seed(callerA, orgA) {
        corpid = env.sandbox.control.createCorp({ name: '租户A', members: [{ userid: 'zhangli', name: '张丽' }] }).corpid
        await linkOrgToSandboxCorp(env.deps, env.sandbox, orgA, corpid)
        return (await callerA.contactWays.create({ channelName: 'A', state: 'tenant-a', type: 1, userIds: ['zhangli'] })).id
      },
      async snapshot(id) {
        const row = await env.deps.db.selectFrom('contact_ways').selectAll().where('id', '=', Number(id)).executeTakeFirst()
        return row && { row, wecom: sandboxWay(corpid, row.config_id) }
      },
      direct: {
        get: (b, id) => b.contactWays.get({ id: Number(id) }),
        update: (b, id) => b.contactWays.update({ id: Number(id), remark: 'B 改的' }),
        remove: (b, id) => b.contactWays.remove({ id: Number(id) }),
        stats: (b, id) => b.contactWays.stats({ id: Number(id) }),
        simulateScan: (b, id) => b.contactWays.simulateScan({ id: Number(id) }),
      },
      lists: {
        list: async (b) => (await b.contactWays.list({ pageSize: 100 })).items.map((i) => i.id),
        listSearch: async (b) => (await b.contactWays.list({ q: 'tenant-a' })).items.map((i) => i.id),
      },
    })
  })
})
