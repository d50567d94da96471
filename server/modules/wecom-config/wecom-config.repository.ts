// Queries for an org's WeCom configuration, its staff mirror and token times, and the decrypted callback credentials (cached briefly).
import type { Insertable } from 'kysely'
import type { Executor } from '../../db/database'
import { upsert } from '../../db/dialect'
import { chunks } from '../tags/tags.repository'
import type { WecomConfigsTable } from './wecom-config.table'

export function findConfigByOrg(db: Executor, orgId: number) {
  return db.selectFrom('wecom_configs').selectAll().where('org_id', '=', orgId).executeTakeFirst()
}

export function findConfigByCallbackKey(db: Executor, key: string) {
  return db.selectFrom('wecom_configs').selectAll().where('callback_key', '=', key).executeTakeFirst()
}

/** Active orgs that have a WeCom configuration (the nightly sync's work list). */
export function findActiveConfiguredOrgIds(db: Executor): Promise<{ id: number }[]> {
  return db
    .selectFrom('wecom_configs')
    .innerJoin('orgs', 'orgs.id', 'wecom_configs.org_id')
    .select('orgs.id')
    .where('orgs.status', '=', 'active')
    .execute()
}

/** The whole row by org: inserted, or every listed column overwritten. */
export async function upsertConfig(
  db: Executor,
  row: Insertable<WecomConfigsTable>,
  update: readonly (keyof WecomConfigsTable & string)[],
): Promise<void> {
  await upsert(db, 'wecom_configs', row, ['org_id'], update)
}

export async function recordConnectionTest(
  db: Executor,
  orgId: number,
  r: { at: number; ok: boolean; message: string; staffCount: number | null },
): Promise<void> {
  await db
    .updateTable('wecom_configs')
    .set({
      last_test_at: r.at,
      last_test_ok: r.ok ? 1 : 0,
      last_test_message: r.message.slice(0, 500),
      ...(r.ok ? { staff_count: r.staffCount } : {}),
    })
    .where('org_id', '=', orgId)
    .execute()
}

/** When the org's stored token of `app` expires and was refreshed, if there is one. */
export function findTokenTimes(db: Executor, orgId: number, app: string) {
  return db
    .selectFrom('platform_tokens')
    .select(['expires_at', 'refreshed_at'])
    .where('org_id', '=', orgId)
    .where('app', '=', app)
    .executeTakeFirst()
}

/** Deletes the org's stored WeCom tokens (every app). */
export async function deleteWecomTokens(db: Executor, orgId: number): Promise<void> {
  await db.deleteFrom('platform_tokens').where('org_id', '=', orgId).where('app', 'like', 'wecom:%').execute()
}

// ---------------------------------------------------------------- staff

/** userid → name of every mirrored member, active or not. */
export async function findStaffNames(db: Executor, orgId: number): Promise<Map<string, string>> {
  return new Map(
    (await db.selectFrom('wecom_staff').select(['userid', 'name']).where('org_id', '=', orgId).execute()).map((r) => [r.userid, r.name]),
  )
}

/** Active members for pickers, by userid. */
export function findActiveStaff(db: Executor, orgId: number) {
  return db
    .selectFrom('wecom_staff')
    .select(['userid', 'name', 'status'])
    .where('org_id', '=', orgId)
    .where('status', '=', 'active')
    .orderBy('userid')
    .execute()
}

export interface StaffRow {
  userid: string
  name: string
}

/**
 * The members WeCom lists now, marked active and synced at `now`: `named` rows overwrite the stored name, `keepName`
 * rows keep whatever name they have. Members synced earlier become inactive; the config's staff_count is `total`.
 */
export async function replaceStaff(
  db: Executor,
  orgId: number,
  staff: { named: readonly StaffRow[]; keepName: readonly StaffRow[]; total: number },
  now: number,
): Promise<void> {
  const row = (s: StaffRow) => ({ org_id: orgId, userid: s.userid, name: s.name, status: 'active' as const, synced_at: now })
  for (const part of chunks(staff.named))
    await upsert(db, 'wecom_staff', part.map(row), ['org_id', 'userid'], ['name', 'status', 'synced_at'])
  for (const part of chunks(staff.keepName)) await upsert(db, 'wecom_staff', part.map(row), ['org_id', 'userid'], ['status', 'synced_at'])
  await db.updateTable('wecom_staff').set({ status: 'inactive' }).where('org_id', '=', orgId).where('synced_at', '<', now).execute()
  await db.updateTable('wecom_configs').set({ staff_count: staff.total }).where('org_id', '=', orgId).execute()
}
