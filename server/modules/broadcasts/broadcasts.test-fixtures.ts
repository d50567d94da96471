// Broadcast tests' world: sandbox customers in bulk, mirrored into the org's tables as a finished sync would leave them.
import type { WecomEnv } from '../../testing/wecom-env'
import { insertedId } from '../../db/dialect'

export interface MirroredCustomer {
  id: number
  externalUserid: string
  /** Followers, oldest relation first. */
  follows: { userid: string; createtime: number }[]
}

/** Seeds `customers` in the sandbox corp over `userids` and writes the same customers and relations into the database. */
export async function seedCustomers(
  env: WecomEnv,
  opts: { customers: number; userids: string[]; followersPerCustomer?: number },
): Promise<MirroredCustomer[]> {
  const before = new Set(env.sandbox.state.corps.get(env.corpid)!.customers.keys())
  env.sandbox.control.seedBulk(env.corpid, {
    customers: opts.customers,
    userids: opts.userids,
    followers_per_customer: opts.followersPerCustomer ?? 1,
  })
  const corp = env.sandbox.state.corps.get(env.corpid)!
  const fresh = [...corp.customers.values()].filter((c) => !before.has(c.external_userid))
  const db = env.deps.db
  const now = env.deps.clock.now()
  const out: MirroredCustomer[] = []
  for (let i = 0; i < fresh.length; i += 500) {
    const part = fresh.slice(i, i + 500)
    await db
      .insertInto('customers')
      .values(
        part.map((c) => {
          const first = Math.min(...(corp.followsByCustomer.get(c.external_userid) ?? []).map((f) => f.createtime))
          return {
            org_id: env.orgId,
            external_userid: c.external_userid,
            name: c.name,
            gender: c.gender,
            type: c.type,
            status: 'active' as const,
            first_added_at: first * 1000,
            created_at: now,
            updated_at: now,
          }
        }),
      )
      .execute()
  }
  const ids = new Map(
    (await db.selectFrom('customers').select(['id', 'external_userid']).where('org_id', '=', env.orgId).execute()).map((r) => [
      r.external_userid,
      r.id,
    ]),
  )
  const follows: {
    org_id: number
    customer_id: number
    userid: string
    remark_mobiles: string
    createtime: number
    status: 'active'
    updated_at: number
  }[] = []
  for (const c of fresh) {
    const fs = [...(corp.followsByCustomer.get(c.external_userid) ?? [])].sort((a, b) => a.createtime - b.createtime)
    const id = ids.get(c.external_userid)!
    out.push({ id, externalUserid: c.external_userid, follows: fs.map((f) => ({ userid: f.userid, createtime: f.createtime * 1000 })) })
    for (const f of fs)
      follows.push({
        org_id: env.orgId,
        customer_id: id,
        userid: f.userid,
        remark_mobiles: '[]',
        createtime: f.createtime * 1000,
        status: 'active',
        updated_at: now,
      })
  }
  for (let i = 0; i < follows.length; i += 500)
    await db
      .insertInto('customer_follows')
      .values(follows.slice(i, i + 500))
      .execute()
  return out
}

/** A CRM-only tag group with the given tag names; returns tag name → local id. */
export async function createCrmTags(env: WecomEnv, names: string[]): Promise<Record<string, number>> {
  const now = env.deps.clock.now()
  const groupRef = insertedId(
    await env.deps.db
      .insertInto('tag_groups')
      .values({ org_id: env.orgId, group_id: null, name: `分组${now}`, sort_order: 0, source: 'crm', created_at: now, updated_at: now })
      .executeTakeFirstOrThrow(),
  )
  const out: Record<string, number> = {}
  for (const name of names) {
    out[name] = insertedId(
      await env.deps.db
        .insertInto('tags')
        .values({
          org_id: env.orgId,
          group_ref: groupRef,
          tag_id: null,
          name,
          sort_order: 0,
          source: 'crm',
          created_at: now,
          updated_at: now,
        })
        .executeTakeFirstOrThrow(),
    )
  }
  return out
}

export async function tagCustomer(env: WecomEnv, customerId: number, tagRef: number): Promise<void> {
  await env.deps.db
    .insertInto('customer_tags')
    .values({ org_id: env.orgId, customer_id: customerId, tag_ref: tagRef, userid: '', created_at: env.deps.clock.now() })
    .execute()
}

export async function setCustomer(
  env: WecomEnv,
  id: number,
  set: { channel_state?: string | null; gender?: number; first_added_at?: number; status?: 'active' | 'lost' },
): Promise<void> {
  await env.deps.db.updateTable('customers').set(set).where('id', '=', id).execute()
}

export const targetsOf = (env: WecomEnv, broadcastId: number) =>
  env.deps.db.selectFrom('broadcast_targets').selectAll().where('broadcast_id', '=', broadcastId).orderBy('customer_id').execute()

export const batchesOf = (env: WecomEnv, broadcastId: number) =>
  env.deps.db.selectFrom('broadcast_batches').selectAll().where('broadcast_id', '=', broadcastId).orderBy('id').execute()
