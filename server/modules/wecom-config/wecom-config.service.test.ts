// syncStaff against the sandbox: members get their WeCom names, a missing name never fails the sync, concurrency is bounded.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createWecomEnv, type WecomEnv } from '../../testing/wecom-env'
import { saveConfig, STAFF_NAME_CONCURRENCY, syncStaff, testConnection } from './wecom-config.service'

let env: WecomEnv | undefined
afterEach(async () => {
  vi.restoreAllMocks()
  await env?.close()
  env = undefined
})

async function staff(e: WecomEnv) {
  const rows = await e.deps.db
    .selectFrom('wecom_staff')
    .select(['userid', 'name', 'status'])
    .where('org_id', '=', e.orgId)
    .orderBy('userid')
    .execute()
  return Object.fromEntries(rows.map((r) => [r.userid, `${r.name}/${r.status}`]))
}

const userGetCalls = (e: WecomEnv) => e.sandbox.control.getCounters().endpoints['user/get']?.calls ?? 0

describe('syncStaff', () => {
  it('stores each member with the name WeCom has for them (linking the org syncs once)', async () => {
    env = await createWecomEnv({ workers: false })
    expect(await staff(env)).toEqual({ liuyang: '刘洋/active', wangfang: '王芳/active', zhangli: '张丽/active' })
    const config = await env.deps.db
      .selectFrom('wecom_configs')
      .select('staff_count')
      .where('org_id', '=', env.orgId)
      .executeTakeFirstOrThrow()
    expect(config.staff_count).toBe(3)
  })

  it('keeps the userid as the name when user/get fails, and fills it in on a later sync; named members are not asked again', async () => {
    env = await createWecomEnv({ workers: false })
    env.sandbox.control.addMembers(env.corpid, { members: [{ userid: 'chenjing', name: '陈静' }] })
    // 60011 (not in the app's visible range) is not retried, so the sync sees the failure at once.
    env.sandbox.control.setFaults({ rules: [{ endpoint: 'user/get', errorRate: 1, errorCodes: [60011] }] })
    expect(await syncStaff(env.deps, env.orgId)).toBe(4)
    expect(await staff(env)).toMatchObject({ chenjing: 'chenjing/active', zhangli: '张丽/active' })

    env.sandbox.control.clearFaults()
    env.sandbox.control.resetCounters()
    expect(await syncStaff(env.deps, env.orgId)).toBe(4)
    expect(await staff(env)).toEqual({ chenjing: '陈静/active', liuyang: '刘洋/active', wangfang: '王芳/active', zhangli: '张丽/active' })
    expect(userGetCalls(env), 'only the member still named by the userid').toBe(1)

    env.sandbox.control.resetCounters()
    await syncStaff(env.deps, env.orgId)
    expect(userGetCalls(env)).toBe(0)
  })

  it('a user/get that stays busy (-1 on every try) does not fail the connection test either', async () => {
    env = await createWecomEnv({ workers: false })
    env.sandbox.control.addMembers(env.corpid, { members: [{ userid: 'yangmin', name: '杨敏' }] })
    // Every try answers -1: the client backs off its 3 retries, then the sync carries on without the name.
    env.sandbox.control.setFaults({ rules: [{ endpoint: 'user/get', errorRate: 1, errorCodes: [-1] }] })
    const result = await testConnection(env.deps, env.orgId)
    expect(result).toMatchObject({ ok: true, staffCount: 4 })
    expect(await staff(env)).toMatchObject({ yangmin: 'yangmin/active', zhangli: '张丽/active' })
  })

  it(`fetches names at most ${STAFF_NAME_CONCURRENCY} at a time`, async () => {
    env = await createWecomEnv({ workers: false })
    const members = Array.from({ length: 12 }, (_, i) => ({ userid: `staff${i}`, name: `员工${i}` }))
    env.sandbox.control.addMembers(env.corpid, { members })
    // Slow answers, so calls that are allowed to overlap do overlap.
    env.sandbox.control.setFaults({ rules: [{ endpoint: 'user/get', latencyMs: 40 }] })
    // deps.wecom.for hands out shallow copies of one cached client, so this wraps the `user` group syncStaff uses.
    const { user } = await env.deps.wecom.for(env.orgId)
    const original = user.get.bind(user)
    let inFlight = 0
    let peak = 0
    vi.spyOn(user, 'get').mockImplementation(async (userid) => {
      peak = Math.max(peak, ++inFlight)
      try {
        return await original(userid)
      } finally {
        inFlight--
      }
    })
    expect(await syncStaff(env.deps, env.orgId)).toBe(15)
    expect(peak).toBe(STAFF_NAME_CONCURRENCY)
    const names = await staff(env)
    for (const m of members) expect(names[m.userid]).toBe(`${m.name}/active`)
  })

  it('after the admin switches the org to another corp, the next sync reads the new corp, not a cached token of the old one', async () => {
    env = await createWecomEnv({ workers: false })
    const other = env.sandbox.control.createCorp({ name: '新诊所', members: [{ userid: 'zhouting', name: '周婷' }] })
    const contact = other.apps.find((a) => a.kind === 'contact')!
    await saveConfig(env.deps, env.orgId, {
      corpId: other.corpid,
      agentId: '',
      contactSecret: contact.secret,
      callbackToken: 'tok123',
      encodingAesKey: 'a'.repeat(43),
    })
    expect(await syncStaff(env.deps, env.orgId)).toBe(1)
    expect(await staff(env)).toMatchObject({ zhouting: '周婷/active' })
  })
})
