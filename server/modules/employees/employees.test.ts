// Employees: the binding QR per org, CRUD with the unique mobile under concurrency, filters and paging, WeCom import, unbind audit, CSV in and out (UTF-8 and GB18030), tenancy.
import { parse } from 'csv-parse/sync'
import QRCode from 'qrcode'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DbHandle } from '../../db/connect'
import { createOrgWithUser, createTestDeps } from '../../testing/deps'
import { createTestDb } from '../../testing/test-db'
import { callerFor, expectTenantIsolation, type Caller } from '../../testing/tenant'
import { h5EntryUrl } from '../../../shared/h5-entry'
import { BINDING_QR_OPTIONS, decodeCsvBytes } from './employees.service'

let handle: DbHandle
let deps: ReturnType<typeof createTestDeps>

beforeAll(async () => {
  handle = await createTestDb()
  deps = createTestDeps(handle)
})
afterAll(async () => handle?.close())

async function newOrg(role: 'org_admin' | 'org_member' = 'org_admin'): Promise<{ orgId: number; caller: Caller }> {
  const { orgId, user } = await createOrgWithUser(deps, role)
  return { orgId, caller: callerFor(deps, user) }
}

async function addStaff(orgId: number, members: [string, string][]) {
  await deps.db
    .insertInto('wecom_staff')
    .values(members.map(([userid, name]) => ({ org_id: orgId, userid, name, status: 'active' as const, synced_at: 0 })))
    .execute()
}

const b64 = (s: string | Uint8Array) => Buffer.from(s).toString('base64')

describe('employees', () => {
  it('creates, updates, lists with filters and paging, removes', async () => {
    const { orgId, caller } = await newOrg()
    await addStaff(orgId, [['zhangli', '张丽']])
    const a = await caller.employees.create({
      name: '张三',
      mobile: '13800000001',
      seat: '前台',
      receivesSystemNotices: true,
      wecomUserid: 'zhangli',
    })
    expect(a).toMatchObject({
      name: '张三',
      mobile: '13800000001',
      seat: '前台',
      receivesSystemNotices: true,
      wecomName: '张丽',
      bound: false,
    })
    for (let i = 2; i <= 25; i++) await caller.employees.create({ name: `员工${i}`, mobile: `138000000${String(i).padStart(2, '0')}` })
    await deps.db.updateTable('employees').set({ openid: 'o-bound', bound_at: 1 }).where('id', '=', a.id).execute()

    const page1 = await caller.employees.list({ page: 1, pageSize: 10 })
    expect(page1.total).toBe(25)
    expect(page1.items).toHaveLength(10)
    expect((await caller.employees.list({ page: 3, pageSize: 10 })).items).toHaveLength(5)
    expect((await caller.employees.list({ q: '张' })).items.map((e) => e.id)).toEqual([a.id])
    expect((await caller.employees.list({ q: '3800000001' })).items.map((e) => e.id)).toEqual([a.id])
    expect((await caller.employees.list({ bound: true })).items.map((e) => e.id)).toEqual([a.id])
    expect((await caller.employees.list({ bound: false })).total).toBe(24)
    expect((await caller.employees.list({ receivesSystemNotices: true })).total).toBe(1)
    // LIKE wildcards are literal.
    expect((await caller.employees.list({ q: '%' })).total).toBe(0)

    const up = await caller.employees.update({ id: a.id, seat: '', receivesSystemNotices: false, wecomUserid: null })
    expect(up).toMatchObject({ seat: null, receivesSystemNotices: false, wecomUserid: null, bound: true })
    await expect(caller.employees.update({ id: a.id, mobile: '13800000002' })).rejects.toMatchObject({ code: 'CONFLICT' })
    await expect(caller.employees.create({ name: 'x', mobile: '12800000000' })).rejects.toMatchObject({ code: 'BAD_REQUEST' })
    await expect(caller.employees.create({ name: 'x', mobile: '13900000000', wecomUserid: 'nobody' })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    })
    await caller.employees.remove({ id: a.id })
    await expect(caller.employees.remove({ id: a.id })).rejects.toMatchObject({ code: 'NOT_FOUND' })
  })

  it('two concurrent creates with one mobile: one row and a Chinese 409', async () => {
    const { orgId, caller } = await newOrg()
    const results = await Promise.allSettled([
      caller.employees.create({ name: '甲', mobile: '13911112222' }),
      caller.employees.create({ name: '乙', mobile: '13911112222' }),
    ])
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult
    expect(rejected.reason).toMatchObject({ code: 'CONFLICT', message: '手机号 13911112222 已登记为员工' })
    const rows = await deps.db.selectFrom('employees').selectAll().where('org_id', '=', orgId).execute()
    expect(rows).toHaveLength(1)
    // The same mobile in another org is fine.
    const other = await newOrg()
    await expect(other.caller.employees.create({ name: '丙', mobile: '13911112222' })).resolves.toMatchObject({ mobile: '13911112222' })
  })

  it('members may list but not write', async () => {
    const { caller } = await newOrg('org_member')
    await expect(caller.employees.list({})).resolves.toMatchObject({ total: 0 })
    await expect(caller.employees.create({ name: '甲', mobile: '13911112223' })).rejects.toMatchObject({ code: 'FORBIDDEN' })
    await expect(caller.employees.exportCsv()).rejects.toMatchObject({ code: 'FORBIDDEN' })
  })

  it('imports chosen WeCom members, skipping those without a mobile, already employees, or not ours', async () => {
    const { orgId, caller } = await newOrg()
    const other = await newOrg()
    await addStaff(orgId, [
      ['zhangli', '张丽'],
      ['wangfang', '王芳'],
      ['liuyang', '刘洋'],
      ['chenjing', '陈静'],
    ])
    await addStaff(other.orgId, [['outsider', '外人']])
    await caller.employees.create({ name: '刘洋', mobile: '13700000003', wecomUserid: 'liuyang' })
    const candidates = await caller.employees.wecomCandidates()
    expect(candidates.find((c) => c.userid === 'liuyang')?.employeeId).toBeTypeOf('number')
    const r = await caller.employees.importFromWecom({
      members: [
        { userid: 'zhangli', mobile: '13700000001' },
        { userid: 'wangfang' },
        { userid: 'liuyang', mobile: '13700000009' },
        { userid: 'chenjing', mobile: '13700000003' },
        { userid: 'outsider', mobile: '13700000004' },
      ],
    })
    expect(r.created.map((c) => c.userid)).toEqual(['zhangli'])
    expect(r.skipped.map((s) => [s.userid, s.reason])).toEqual([
      ['wangfang', '未填写手机号'],
      ['liuyang', '已是员工'],
      ['chenjing', '手机号 13700000003 已登记为员工'],
      ['outsider', '不是本机构的企业微信成员'],
    ])
    const list = await caller.employees.list({ q: '张丽' })
    expect(list.items[0]).toMatchObject({ name: '张丽', wecomUserid: 'zhangli', mobile: '13700000001' })
    expect(await deps.db.selectFrom('employees').select('id').where('org_id', '=', other.orgId).execute()).toEqual([])
  })

  it('unbind clears openid and bound_at, and is audited', async () => {
    const { orgId, caller } = await newOrg()
    const e = await caller.employees.create({ name: '李四', mobile: '13600000001' })
    await deps.db.updateTable('employees').set({ openid: 'o-li', bound_at: 123, follows_oa: 1 }).where('id', '=', e.id).execute()
    expect((await caller.employees.list({})).items[0]).toMatchObject({ bound: true, boundAt: 123, followsOa: true })
    expect(await caller.employees.unbind({ id: e.id })).toMatchObject({ bound: false, boundAt: null })
    const row = await deps.db.selectFrom('employees').selectAll().where('id', '=', e.id).executeTakeFirstOrThrow()
    expect(row).toMatchObject({ openid: null, bound_at: null })
    const audit = await deps.db.selectFrom('audit_log').selectAll().where('org_id', '=', orgId).orderBy('id').execute()
    expect(audit.map((a) => [a.action, a.result])).toEqual([
      ['employees.create', 'ok'],
      ['employees.unbind', 'ok'],
    ])
  })

  it('exports CSV with a BOM and Chinese headers, and the export imports back', async () => {
    const { caller } = await newOrg()
    await caller.employees.create({ name: '张三', mobile: '13500000001', seat: '=cmd', receivesSystemNotices: true })
    await caller.employees.create({ name: '王五', mobile: '13500000002' })
    const { content, filename } = await caller.employees.exportCsv()
    expect(filename).toMatch(/^员工-\d{4}-\d{2}-\d{2}\.csv$/)
    expect(content.charCodeAt(0)).toBe(0xfeff)
    const rows = parse(content, { bom: true }) as string[][]
    expect(rows[0]).toEqual(['姓名', '手机号', '岗位', '接收系统通知', '企业微信账号', '绑定状态', '关注公众号', '绑定时间'])
    expect(rows[1]).toEqual(['张三', '13500000001', "'=cmd", '是', '', '未绑定', '否', ''])

    const fresh = await newOrg()
    const r = await fresh.caller.employees.importCsv({ base64: b64(content), dryRun: false })
    expect(r).toMatchObject({ total: 2, valid: 2, errors: [], imported: 2 })
    expect((await fresh.caller.employees.list({ q: '张三' })).items[0]).toMatchObject({ seat: '=cmd', receivesSystemNotices: true })
  })

  it('decodes GB18030 bytes (Chinese Excel) and UTF-8 alike', async () => {
    // GB18030 bytes by hand (no iconv here): 张 = D5 C5, 三 = C8 FD.
    const gb = (hex: string) => Uint8Array.from(hex.match(/../g)!.map((h) => parseInt(h, 16)))
    const zhangSan = gb('D5C5C8FD') // 张三
    expect(decodeCsvBytes(zhangSan)).toBe('张三')
    const { caller } = await newOrg()
    const ascii = (s: string) => new TextEncoder().encode(s)
    // Header in GB18030 too: 姓名 = D0D5 C3FB, 手机号 = CAD6 BBFA BAC5.
    const bytes = Buffer.concat([gb('D0D5C3FB'), ascii(','), gb('CAD6BBFABAC5'), ascii('\r\n'), zhangSan, ascii(',13400000001\r\n')])
    expect(decodeCsvBytes(bytes)).toBe('姓名,手机号\r\n张三,13400000001\r\n')
    const r = await caller.employees.importCsv({ base64: bytes.toString('base64'), dryRun: false })
    expect(r).toMatchObject({ total: 1, valid: 1, imported: 1 })
    expect((await caller.employees.list({})).items[0]).toMatchObject({ name: '张三', mobile: '13400000001' })
    // UTF-8 with a BOM.
    const utf8 = await caller.employees.importCsv({ base64: b64('\uFEFF姓名,手机号\n李四,13400000002\n'), dryRun: true })
    expect(utf8).toMatchObject({ total: 1, valid: 1, imported: 0, dryRun: true })
  })

  it('reports bad rows on a dry run, imports nothing without onlyValid, and only the valid rows with it', async () => {
    const { orgId, caller } = await newOrg()
    await addStaff(orgId, [['zhangli', '张丽']])
    await caller.employees.create({ name: '老员工', mobile: '13300000009' })
    const csv = [
      '姓名,手机号,岗位,接收系统通知,企业微信账号',
      '张三,13300000001,前台,是,zhangli',
      ',13300000002,,,',
      '李四,1330000000,,否,',
      '王五,13300000001,,,',
      '赵六,13300000009,,,',
      '钱七,13300000003,,也许,',
      '孙八,13300000004,,,ghost',
      '周九,133 0000 0005,,1,',
    ].join('\n')
    const dry = await caller.employees.importCsv({ text: csv })
    expect(dry).toMatchObject({ total: 8, valid: 2, imported: 0, dryRun: true })
    expect(dry.errors.map((e) => [e.line, e.errors])).toEqual([
      [3, ['姓名不能为空']],
      [4, ['手机号格式不正确']],
      [5, ['手机号与第 2 行重复']],
      [6, ['手机号已登记为员工']],
      [7, ['「接收系统通知」请填 是 或 否']],
      [8, ['企业微信成员 ghost 不存在']],
    ])
    const count = async () => (await caller.employees.list({})).total
    expect(await count()).toBe(1)

    const strict = await caller.employees.importCsv({ text: csv, dryRun: false })
    expect(strict).toMatchObject({ valid: 2, imported: 0 })
    expect(await count()).toBe(1)

    const lenient = await caller.employees.importCsv({ text: csv, dryRun: false, onlyValid: true })
    expect(lenient).toMatchObject({ valid: 2, imported: 2 })
    expect(
      (await caller.employees.list({ pageSize: 100 })).items.map((e) => [e.name, e.mobile, e.receivesSystemNotices, e.wecomUserid]).sort(),
    ).toEqual(
      [
        ['周九', '13300000005', true, null],
        ['张三', '13300000001', true, 'zhangli'],
        ['老员工', '13300000009', false, null],
      ].sort(),
    )

    await expect(caller.employees.importCsv({ text: 'a,b\n1,2\n' })).rejects.toMatchObject({ code: 'BAD_REQUEST' })
    await expect(caller.employees.importCsv({ text: '' })).rejects.toMatchObject({ code: 'BAD_REQUEST' })
  })

  it('bindingQr: the H5 binding URL of the caller’s own org as a print-size PNG, for any org role', async () => {
    const a = await createOrgWithUser(deps, 'org_member', '二维码机构A')
    const b = await createOrgWithUser(deps, 'org_admin', '二维码机构B')
    const slugOf = async (orgId: number) =>
      (await deps.db.selectFrom('orgs').select('slug').where('id', '=', orgId).executeTakeFirstOrThrow()).slug

    const qrA = await callerFor(deps, a.user).employees.bindingQr()
    const urlA = h5EntryUrl(deps.config.publicBaseUrl, await slugOf(a.orgId))
    expect(qrA).toMatchObject({ url: urlA, orgName: '二维码机构A' })
    expect(urlA).toMatch(/\/h5\/\?org=org-/)

    const png = Buffer.from(qrA.pngDataUrl.replace(/^data:image\/png;base64,/, ''), 'base64')
    expect(qrA.pngDataUrl.startsWith('data:image/png;base64,')).toBe(true)
    expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a')
    expect(png.subarray(12, 16).toString('ascii')).toBe('IHDR')
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([640, 640])
    // The image encodes exactly that URL: the same encoder with the same options gives the same bytes.
    expect(qrA.pngDataUrl).toBe(await QRCode.toDataURL(urlA, BINDING_QR_OPTIONS))

    // Another org gets its own page, never the first org's.
    const qrB = await callerFor(deps, b.user).employees.bindingQr()
    expect(qrB.url).toBe(h5EntryUrl(deps.config.publicBaseUrl, await slugOf(b.orgId)))
    expect(qrB.url).not.toBe(urlA)
    expect(qrB.pngDataUrl).not.toBe(qrA.pngDataUrl)
  })

  it('keeps tenants apart', async () => {
    await expectTenantIsolation(deps, {
      async seed(callerA) {
        return (await callerA.employees.create({ name: '租户A员工', mobile: '13200000001' })).id
      },
      snapshot: (id) => deps.db.selectFrom('employees').selectAll().where('id', '=', Number(id)).executeTakeFirst(),
      direct: {
        update: (b, id) => b.employees.update({ id: Number(id), name: 'B 改的' }),
        remove: (b, id) => b.employees.remove({ id: Number(id) }),
        unbind: (b, id) => b.employees.unbind({ id: Number(id) }),
      },
      lists: {
        list: async (b) => (await b.employees.list({ pageSize: 100 })).items.map((e) => e.id),
        exportCsv: async (b) => ((await b.employees.exportCsv()).content.includes('13200000001') ? [-1] : []),
      },
    })
  })
})
