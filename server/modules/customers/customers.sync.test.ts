// Full sync against the sandbox: every relation mirrored with channel and tags, idempotent, unseen relations lost.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createWecomEnv, type WecomEnv } from '../../testing/wecom-env'
import { syncCustomers } from './customers.sync'

let env: WecomEnv
const count = async (table: 'customers' | 'customer_follows' | 'crm_leads') =>
  Number(
    (
      await env.deps.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('org_id', '=', env.orgId)
        .executeTakeFirstOrThrow()
    ).n,
  )

beforeAll(async () => {
  env = await createWecomEnv({ workers: false })
})
afterAll(async () => env.close())

describe('customer sync', () => {
  it('mirrors every relation across cursor pages with its tags, then changes nothing on a second pass', async () => {
    // Callbacks are not processed in this test (no workers): only the sync can bring these in.
    await env.sandbox.control.tagChange(env.corpid, {
      change_type: 'create',
      tag_type: 'tag_group',
      group_name: '客户等级',
      tags: ['A级意向', 'B级意向'],
      wait: false,
    })
    env.sandbox.control.seedBulk(env.corpid, { customers: 250, followers_per_customer: 1, tags_per_relation: 1 })
    const progress: Array<[number, number]> = []
    const first = await syncCustomers(env.deps, env.orgId, async (d, t) => {
      progress.push([d, t])
    })
    expect(first).toMatchObject({ relations: 250, customersCreated: 250, relationsLost: 0 })
    expect(await count('customers')).toBe(250)
    expect(await count('customer_follows')).toBe(250)
    expect(progress.at(-1)).toEqual([1, 1])
    // One corp tag per relation at the sandbox → one link per relation to the mirrored tag here.
    const links = await env.deps.db
      .selectFrom('customer_tags')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('org_id', '=', env.orgId)
      .where('userid', '!=', '')
      .executeTakeFirstOrThrow()
    expect(Number(links.n)).toBe(250)

    const second = await syncCustomers(env.deps, env.orgId)
    expect(second).toMatchObject({ relations: 250, customersCreated: 0, relationsActivated: 0, relationsLost: 0 })
    expect(await count('customers')).toBe(250)
  })

  it('marks relations WeCom no longer lists as lost, and the customer lost when none remain', async () => {
    const some = await env.deps.db
      .selectFrom('customer_follows as f')
      .innerJoin('customers as c', 'c.id', 'f.customer_id')
      .select(['c.id', 'c.external_userid', 'f.userid'])
      .where('f.org_id', '=', env.orgId)
      .limit(1)
      .executeTakeFirstOrThrow()
    // A member deletes the customer on WeCom's side while we were not listening (no callback handled).
    await env.sandbox.control.staffDeletesCustomer(env.corpid, { userid: some.userid, external_userid: some.external_userid, wait: false })
    const r = await syncCustomers(env.deps, env.orgId)
    expect(r.relationsLost).toBe(1)
    const follow = await env.deps.db
      .selectFrom('customer_follows')
      .select(['status', 'lost_at'])
      .where('customer_id', '=', some.id)
      .executeTakeFirstOrThrow()
    expect(follow.status).toBe('lost')
    const customer = await env.deps.db.selectFrom('customers').select('status').where('id', '=', some.id).executeTakeFirstOrThrow()
    expect(customer.status).toBe('lost')
  })
})
