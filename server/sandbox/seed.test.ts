// Seeds: the demo clinic is complete and deterministic; 100 000 bulk customers load fast and page correctly.
import { afterEach, describe, expect, it } from 'vitest'
import { ManualClock } from '../lib/clock'
import { createSandbox } from './index'
import { DEMO_CORP_NAME } from './seed'
import { type TestSandbox, setupSandbox } from './testing'

let t: TestSandbox | undefined
afterEach(async () => {
  await t?.sandbox.close()
  t = undefined
})

function demo() {
  return createSandbox({ clock: new ManualClock(), publicBaseUrl: 'http://x', seed: 'demo' })
}

describe('demo seed', () => {
  it('builds the clinic: apps, staff, channels, tag groups, ~60 customers over 60 days', async () => {
    const sb = demo()
    const [corp] = sb.control.listCorps()
    expect(corp.name).toBe(DEMO_CORP_NAME)
    expect(corp.apps.map((a) => a.kind)).toEqual(['contact', 'agent'])
    expect(corp.apps.every((a) => a.secret.length === 43)).toBe(true)
    const detail = sb.control.getCorp(corp.corpid)
    expect(detail.members).toHaveLength(8)
    expect(detail.members.every((m) => m.customer_contact && /^[\u4e00-\u9fa5]{2,3}$/.test(m.name))).toBe(true)
    expect(detail.tag_groups.map((g) => [g.group_name, g.tags.map((x) => x.name)])).toEqual([
      ['客户等级', ['A级意向', 'B级意向', 'C级意向']],
      ['意向项目', ['玻尿酸', '热玛吉', '光子嫩肤', '水光针', '皮秒祛斑']],
      ['来源渠道', ['小红书', '抖音', '朋友圈', '百度', '线下']],
    ])
    expect(detail.contact_ways.map((w) => w.state)).toEqual(['xiaohongshu', 'douyin', 'pengyouquan', 'baidu', 'offline'])
    expect(corp.counts.customers).toBe(60)

    const state = sb.state.corps.get(corp.corpid)!
    const follows = [...state.followsByUser.values()].flat()
    const now = Math.floor(sb.context.clock.now() / 1000)
    const states = new Set(follows.filter((f) => f.add_way === 1).map((f) => f.state))
    expect([...states].sort()).toEqual(['baidu', 'douyin', 'offline', 'pengyouquan', 'xiaohongshu'])
    expect(follows.every((f) => f.createtime <= now && f.createtime > now - 66 * 86400)).toBe(true)
    expect(Math.max(...follows.map((f) => now - f.createtime))).toBeGreaterThan(40 * 86400)
    await sb.close()
  })

  it('is deterministic: two fresh sandboxes agree on every id and name (secrets excepted)', async () => {
    const a = demo()
    const b = demo()
    const strip = (sb: ReturnType<typeof demo>) => {
      const corp = sb.control.listCorps()[0]
      const detail = sb.control.getCorp(corp.corpid)
      const customers = [...sb.state.corps.get(corp.corpid)!.customers.values()]
      return { corpid: corp.corpid, tags: detail.tag_groups, ways: detail.contact_ways, customers }
    }
    expect(strip(a)).toEqual(strip(b))
    expect(a.control.listCorps()[0].apps[0].secret).not.toBe(b.control.listCorps()[0].apps[0].secret)
    // reset reproduces the same world
    const before = strip(a)
    a.control.reset()
    expect(strip(a)).toEqual(before)
    await a.close()
    await b.close()
  })
})

describe('bulk seed', () => {
  it('loads 100 000 customers with relations in a few seconds and serves them by cursor', async () => {
    t = setupSandbox()
    const result = t.control.seedBulk(t.corp.corpid, { customers: 100_000, tags_per_relation: 0 })
    console.log(`bulk seed: ${result.customers} customers, ${result.relations} relations in ${result.ms} ms`)
    expect(result).toMatchObject({ customers: 100_000, relations: 100_000 })
    expect(result.ms).toBeLessThan(5000)
    expect(t.control.listCorps()[0].counts).toMatchObject({ customers: 100_000, relations: 100_000 })

    const users = (await t.get('externalcontact/get_follow_user_list')).follow_user as string[]
    let cursor = ''
    let total = 0
    let pages = 0
    const t0 = performance.now()
    do {
      const page = await t.post('externalcontact/batch/get_by_user', { userid_list: users, limit: 100, cursor })
      total += page.external_contact_list.length
      cursor = page.next_cursor
      pages++
    } while (cursor && pages < 50)
    console.log(`bulk seed: 50 pages of batch/get_by_user in ${Math.round(performance.now() - t0)} ms`)
    expect(total).toBe(5000)
  })
})
