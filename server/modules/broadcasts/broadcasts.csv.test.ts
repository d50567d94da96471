// CSV targets and the birthday import: good rows, each kind of row error, GB18030 files, and another org's customers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../lib/clock'
import { createWecomEnv, type WecomEnv } from '../../testing/wecom-env'
import { callerFor, type Caller } from '../../testing/tenant'
import { createOrgWithUser } from '../../testing/deps'
import { seedCustomers, type MirroredCustomer } from './broadcasts.test-fixtures'
import { parseBirthday } from '../broadcast-rules/broadcast-rules.birthdays'

let env: WecomEnv
let seeded: MirroredCustomer[]
let other: { caller: Caller; orgId: number; customerId: number; external: string }

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64')
const setMobiles = (customerId: number, mobiles: string[]) =>
  env.deps.db
    .updateTable('customer_follows')
    .set({ remark_mobiles: JSON.stringify(mobiles) })
    .where('customer_id', '=', customerId)
    .execute()

beforeAll(async () => {
  env = await createWecomEnv({ clock: new ManualClock(), workers: false })
  seeded = await seedCustomers(env, { customers: 5, userids: ['zhangli', 'wangfang'] })
  await setMobiles(seeded[2].id, ['13800000002'])
  // A family: one mobile in two customers' remarks.
  await setMobiles(seeded[3].id, ['13900000033'])
  await setMobiles(seeded[4].id, ['13900000033', '13700000004'])

  const b = await createOrgWithUser(env.deps, 'org_admin')
  const now = env.deps.clock.now()
  const external = 'wmOtherOrgCustomer0001'
  const res = await env.deps.db
    .insertInto('customers')
    .values({ org_id: b.orgId, external_userid: external, status: 'active', created_at: now, updated_at: now })
    .executeTakeFirstOrThrow()
  const customerId = Number(res.insertId)
  await env.deps.db
    .insertInto('customer_follows')
    .values({
      org_id: b.orgId,
      customer_id: customerId,
      userid: 'someone',
      remark_mobiles: JSON.stringify(['13600000006']),
      createtime: now,
      status: 'active',
      updated_at: now,
    })
    .execute()
  other = { caller: callerFor(env.deps, b.user), orgId: b.orgId, customerId, external }
}, 60_000)
afterAll(async () => env?.close())

describe('群发 targets from a CSV', () => {
  it('turns external_userids and remark mobiles into this org’s customer ids, with a reason for every other row', async () => {
    const [a, b, c] = seeded
    const csv = [
      'external_userid',
      a.externalUserid,
      `'+86 138-0000-0002`,
      '13900000033',
      'wmNoSuchCustomer000001',
      '12345',
      'hello',
      a.externalUserid,
      other.external,
      '13600000006',
      b.externalUserid,
      ``,
      `"${c.externalUserid}",ignored`,
    ].join('\r\n')
    const res = await env.caller.broadcasts.csvTargets({ base64: b64(`\uFEFF${csv}`) })
    expect(res.customerIds).toEqual([a.id, c.id, seeded[3].id, seeded[4].id, b.id])
    expect(res.total).toBe(11)
    const reasons = Object.fromEntries(res.errors.map((e) => [e.line, e.errors.join('；')]))
    expect(reasons).toEqual({
      5: '不是本机构的客户（未找到此 external_userid，请先同步客户）',
      6: '手机号格式不正确（11 位大陆手机号）',
      7: '无法识别：第一列应为 external_userid（wm 开头）或手机号',
      8: '与第 2 行重复',
      9: '不是本机构的客户（未找到此 external_userid，请先同步客户）',
      10: '本机构没有客户的备注里有此手机号',
      13: '与第 3 行是同一位客户',
    })
  })

  it('reads GB18030 files and refuses an empty one with what to do', async () => {
    // 手机号 in GB18030 bytes (as Chinese Excel saves it): CAD6 BBFA BAC5.
    const gb = Buffer.concat([Buffer.from([0xca, 0xd6, 0xbb, 0xfa, 0xba, 0xc5]), Buffer.from('\r\n13700000004\r\n')]).toString('base64')
    expect(await env.caller.broadcasts.csvTargets({ base64: gb })).toEqual({ total: 1, customerIds: [seeded[4].id], errors: [] })
    await expect(env.caller.broadcasts.csvTargets({ base64: b64('external_userid\r\n') })).rejects.toThrow(/没有数据行/)
  })

  it('another org sees none of this org’s customers, and this org none of its', async () => {
    const res = await other.caller.broadcasts.csvTargets({
      base64: b64([seeded[0].externalUserid, '13800000002', other.external].join('\n')),
    })
    expect(res.customerIds).toEqual([other.customerId])
    expect(res.errors.map((e) => e.line)).toEqual([1, 2])
  })
})

describe('生日 import', () => {
  it('parses the usual ways of writing a date and rejects impossible ones', () => {
    expect(['03-15', '3/15', '1990-03-15', '1990/3/15', '1990.3.15', '3月15日', '1990年3月15日', '0229'].map(parseBirthday)).toEqual([
      '03-15',
      '03-15',
      '03-15',
      '03-15',
      '03-15',
      '03-15',
      '03-15',
      '02-29',
    ])
    expect(['02-30', '13-01', '00-10', 'abc', ''].map(parseBirthday)).toEqual([null, null, null, null, null])
  })

  it('a dry run writes nothing; the real run stores the valid rows only, in this org only', async () => {
    const [a, , c] = seeded
    const csv = [
      `external_userid,生日`,
      `${a.externalUserid},1990-03-15`,
      `13800000002,12月1日`,
      `13900000033,05-05`,
      `${seeded[1].externalUserid},02-30`,
      `${seeded[1].externalUserid},`,
      `${other.external},01-01`,
    ].join('\n')
    const dry = await env.caller.broadcastRules.importBirthdays({ base64: b64(csv), dryRun: true })
    expect(dry).toMatchObject({ total: 6, valid: 2, imported: 0 })
    expect(Object.fromEntries(dry.errors.map((e) => [e.line, e.errors.join('；')]))).toEqual({
      4: '多位客户的备注里有此手机号，请改用 external_userid',
      5: '生日格式不正确（例如 03-15 或 1990-03-15）',
      6: '与第 5 行重复；第二列生日为空',
      7: '不是本机构的客户（未找到此 external_userid，请先同步客户）',
    })
    expect((await env.caller.broadcastRules.birthday({ id: a.id })).birthday).toBeNull()

    const real = await env.caller.broadcastRules.importBirthdays({ base64: b64(csv), dryRun: false })
    expect(real).toMatchObject({ valid: 2, imported: 2 })
    expect((await env.caller.broadcastRules.birthday({ id: a.id })).birthday).toBe('03-15')
    expect((await env.caller.broadcastRules.birthday({ id: c.id })).birthday).toBe('12-01')
    expect((await env.caller.broadcastRules.birthday({ id: seeded[1].id })).birthday).toBeNull()
    const otherRows = await env.deps.db.selectFrom('customer_birthdays').selectAll().where('org_id', '=', other.orgId).execute()
    expect(otherRows).toEqual([])
    await expect(other.caller.broadcastRules.birthday({ id: a.id })).rejects.toMatchObject({ code: 'NOT_FOUND' })
  })
})
