// Queries of broadcast automation rules: matching customers per condition, once-per-period claims, birthdays; scoped to an org.
import type { Executor } from '../../db/database'
import { affected, insertedId, upsert } from '../../db/dialect'
import type { BroadcastRulesTable } from './broadcast-rules.table'
import type { Insertable, Updateable } from 'kysely'

export async function insertRule(db: Executor, values: Insertable<BroadcastRulesTable>): Promise<number> {
  return insertedId(await db.insertInto('broadcast_rules').values(values).executeTakeFirstOrThrow())
}

export async function updateRule(db: Executor, orgId: number, id: number, set: Updateable<BroadcastRulesTable>): Promise<number> {
  return affected(await db.updateTable('broadcast_rules').set(set).where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst())
}

export function findRule(db: Executor, orgId: number, id: number) {
  return db.selectFrom('broadcast_rules').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst()
}

export function listRules(db: Executor, orgId: number) {
  return db.selectFrom('broadcast_rules').selectAll().where('org_id', '=', orgId).orderBy('id').execute()
}

/** Every enabled rule of every org (the daily job). */
export function findEnabledRules(db: Executor) {
  return db.selectFrom('broadcast_rules').selectAll().where('enabled', '=', 1).orderBy('id').execute()
}

const activeCustomers = (db: Executor, orgId: number) =>
  db.selectFrom('customers as c').select('c.id').where('c.org_id', '=', orgId).where('c.status', '=', 'active')

export async function idsWithBirthday(db: Executor, orgId: number, mmdd: string): Promise<number[]> {
  const rows = await activeCustomers(db, orgId)
    .where('c.id', 'in', (eb) =>
      eb.selectFrom('customer_birthdays as b').select('b.customer_id').where('b.org_id', '=', orgId).where('b.birthday', '=', mmdd),
    )
    .execute()
  return rows.map((r) => r.id)
}

export async function idsAddedBetween(db: Executor, orgId: number, from: number, to: number): Promise<number[]> {
  return (await activeCustomers(db, orgId).where('c.first_added_at', '>=', from).where('c.first_added_at', '<', to).execute()).map(
    (r) => r.id,
  )
}

/** Customers added before `since` with no inbound message since then. */
export async function idsSilentSince(db: Executor, orgId: number, since: number): Promise<number[]> {
  const rows = await activeCustomers(db, orgId)
    .where('c.first_added_at', '<=', since)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('messages as m')
            .select('m.id')
            .whereRef('m.customer_id', '=', 'c.id')
            .where('m.org_id', '=', orgId)
            .where('m.create_time', '>=', since),
        ),
      ),
    )
    .execute()
  return rows.map((r) => r.id)
}

export async function idsWithTag(db: Executor, orgId: number, tagRef: number): Promise<number[]> {
  const rows = await activeCustomers(db, orgId)
    .where('c.id', 'in', (eb) =>
      eb.selectFrom('customer_tags as ct').select('ct.customer_id').where('ct.org_id', '=', orgId).where('ct.tag_ref', '=', tagRef),
    )
    .execute()
  return rows.map((r) => r.id)
}

export async function findAlreadySent(db: Executor, ruleId: number, periodKey: string, ids: readonly number[]): Promise<Set<number>> {
  const out = new Set<number>()
  for (let i = 0; i < ids.length; i += 1000) {
    const part = ids.slice(i, i + 1000)
    const rows = await db
      .selectFrom('broadcast_rule_sends')
      .select('customer_id')
      .where('rule_id', '=', ruleId)
      .where('period_key', '=', periodKey)
      .where('customer_id', 'in', part)
      .execute()
    for (const r of rows) out.add(r.customer_id)
  }
  return out
}

/** Claims (rule, customer, period) for this broadcast; a claim another run holds already is left alone. */
export async function claimSends(
  db: Executor,
  v: { orgId: number; ruleId: number; periodKey: string; broadcastId: number; ids: readonly number[]; now: number },
): Promise<number[]> {
  for (let i = 0; i < v.ids.length; i += 500) {
    const rows = v.ids.slice(i, i + 500).map((customer_id) => ({
      org_id: v.orgId,
      rule_id: v.ruleId,
      customer_id,
      period_key: v.periodKey,
      broadcast_id: v.broadcastId,
      created_at: v.now,
    }))
    await db.insertInto('broadcast_rule_sends').values(rows).ignore().execute()
  }
  return (
    await db
      .selectFrom('broadcast_rule_sends')
      .select('customer_id')
      .where('broadcast_id', '=', v.broadcastId)
      .orderBy('customer_id')
      .execute()
  ).map((r) => r.customer_id)
}

export async function deleteBroadcastRow(db: Executor, orgId: number, id: number): Promise<void> {
  await db.deleteFrom('broadcasts').where('org_id', '=', orgId).where('id', '=', id).execute()
}

export async function customerExists(db: Executor, orgId: number, id: number): Promise<boolean> {
  return !!(await db.selectFrom('customers').select('id').where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst())
}

export async function setBirthday(db: Executor, orgId: number, customerId: number, birthday: string | null, now: number): Promise<void> {
  if (birthday === null) {
    await db.deleteFrom('customer_birthdays').where('org_id', '=', orgId).where('customer_id', '=', customerId).execute()
    return
  }
  await upsert(
    db,
    'customer_birthdays',
    { org_id: orgId, customer_id: customerId, birthday, updated_at: now },
    ['org_id', 'customer_id'],
    ['birthday', 'updated_at'],
  )
}

export async function findBirthday(db: Executor, orgId: number, customerId: number): Promise<string | null> {
  const row = await db
    .selectFrom('customer_birthdays')
    .select('birthday')
    .where('org_id', '=', orgId)
    .where('customer_id', '=', customerId)
    .executeTakeFirst()
  return row?.birthday ?? null
}
