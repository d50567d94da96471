// Queries for push_configs and push_config_employees; the executor is always the first argument.
import { sql, type Insertable, type Updateable } from 'kysely'
import type { Executor } from '../../db/database'
import { affected, contains, insertedId } from '../../db/dialect'
import { fetchPage } from '../../db/paginate'
import { forUpdate } from '../../db/transaction'
import type { PushConfigRow, PushConfigsTable } from './push-configs.table'

export function findPushConfigById(db: Executor, orgId: number, id: number): Promise<PushConfigRow | undefined> {
  return db.selectFrom('push_configs').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst()
}

/** The config of one template ('' = the default). */
export function findPushConfigByTemplate(db: Executor, orgId: number, templateId: string): Promise<PushConfigRow | undefined> {
  return db
    .selectFrom('push_configs')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('script_template_id', '=', templateId)
    .executeTakeFirst()
}

/** The config row as last committed, held until the transaction ends: 顺序推送's cursor moves under this lock. */
export function lockPushConfig(trx: Executor, orgId: number, id: number): Promise<PushConfigRow | undefined> {
  return forUpdate(trx, trx.selectFrom('push_configs').selectAll().where('org_id', '=', orgId).where('id', '=', id)).executeTakeFirst()
}

export async function setPushCursor(trx: Executor, id: number, cursor: number): Promise<void> {
  await trx.updateTable('push_configs').set({ rr_cursor: cursor }).where('id', '=', id).execute()
}

export interface AttachedEmployee {
  employee_id: number
  position: number
  name: string
  mobile: string
  openid: string | null
  last_pushed_at: number | null
  push_count: number
}

/** A config's employees in push order (employees removed from the registry drop out by the join). */
export function attachedEmployees(
  db: Executor,
  orgId: number,
  configIds: readonly number[],
): Promise<(AttachedEmployee & { config_id: number })[]> {
  if (configIds.length === 0) return Promise.resolve([])
  return db
    .selectFrom('push_config_employees as pce')
    .innerJoin('employees as e', (j) => j.onRef('e.id', '=', 'pce.employee_id').onRef('e.org_id', '=', 'pce.org_id'))
    .where('pce.org_id', '=', orgId)
    .where('pce.config_id', 'in', configIds)
    .select(['pce.config_id', 'pce.employee_id', 'pce.position', 'e.name', 'e.mobile', 'e.openid', 'pce.last_pushed_at', 'pce.push_count'])
    .orderBy('pce.config_id')
    .orderBy('pce.position')
    .orderBy('pce.id')
    .execute()
}

/** Records pushes: last time and `count` more in each employee's count, atomically per row (one statement per distinct count). */
export async function markPushed(trx: Executor, configId: number, counts: ReadonlyMap<number, number>, now: number): Promise<void> {
  const byCount = new Map<number, number[]>()
  for (const [employeeId, n] of counts) if (n > 0) byCount.set(n, [...(byCount.get(n) ?? []), employeeId])
  for (const [n, employeeIds] of byCount) {
    await trx
      .updateTable('push_config_employees')
      .set({ last_pushed_at: now, push_count: sql<number>`push_count + ${n}` })
      .where('config_id', '=', configId)
      .where('employee_id', 'in', employeeIds)
      .execute()
  }
}

export async function insertPushConfig(db: Executor, values: Insertable<PushConfigsTable>): Promise<number> {
  return insertedId(await db.insertInto('push_configs').values(values).executeTakeFirstOrThrow())
}

export async function setPushConfig(db: Executor, orgId: number, id: number, patch: Updateable<PushConfigsTable>): Promise<number> {
  return affected(await db.updateTable('push_configs').set(patch).where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst())
}

export async function deletePushConfig(db: Executor, orgId: number, id: number): Promise<number> {
  await db.deleteFrom('push_config_employees').where('org_id', '=', orgId).where('config_id', '=', id).execute()
  return affected(await db.deleteFrom('push_configs').where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst())
}

/**
 * Makes the config's attachments exactly `employeeIds` in that order; employees kept keep their last push time and count.
 */
export async function replaceAttachments(trx: Executor, orgId: number, configId: number, employeeIds: readonly number[]): Promise<void> {
  let q = trx.deleteFrom('push_config_employees').where('org_id', '=', orgId).where('config_id', '=', configId)
  if (employeeIds.length > 0) q = q.where('employee_id', 'not in', employeeIds)
  await q.execute()
  const existing = new Set(
    (
      await trx
        .selectFrom('push_config_employees')
        .select('employee_id')
        .where('org_id', '=', orgId)
        .where('config_id', '=', configId)
        .execute()
    ).map((r) => r.employee_id),
  )
  for (const [position, employeeId] of employeeIds.entries()) {
    if (existing.has(employeeId)) {
      await trx
        .updateTable('push_config_employees')
        .set({ position })
        .where('config_id', '=', configId)
        .where('employee_id', '=', employeeId)
        .execute()
    } else {
      await trx
        .insertInto('push_config_employees')
        .values({ org_id: orgId, config_id: configId, employee_id: employeeId, position })
        .execute()
    }
  }
}

export async function listPushConfigs(
  db: Executor,
  orgId: number,
  f: { q?: string; page: number; pageSize: number },
): Promise<{ rows: PushConfigRow[]; total: number }> {
  let q = db.selectFrom('push_configs').where('org_id', '=', orgId)
  if (f.q) q = q.where((eb) => eb.or([contains('script_template_id', f.q!), contains('script_template_name', f.q!)]))
  // The default first, then templates by name.
  return fetchPage(q, f, (p) => p.selectAll().orderBy('script_template_id').orderBy('id'))
}

/** Which of these ids are employees of the org. */
export async function existingEmployeeIds(db: Executor, orgId: number, ids: readonly number[]): Promise<Set<number>> {
  if (ids.length === 0) return new Set()
  const rows = await db.selectFrom('employees').select('id').where('org_id', '=', orgId).where('id', 'in', ids).execute()
  return new Set(rows.map((r) => r.id))
}

/** The template ids the org has configs for ('' = the default). */
export async function configuredTemplateIds(db: Executor, orgId: number): Promise<string[]> {
  const rows = await db.selectFrom('push_configs').select('script_template_id').where('org_id', '=', orgId).orderBy('id').execute()
  return rows.map((r) => r.script_template_id)
}
