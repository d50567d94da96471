// Queries for SMS verification codes and per-org follow QR codes; the executor is always the first argument.
import type { Insertable } from 'kysely'
import type { Executor } from '../../db/database'
import { affected, insertedId } from '../../db/dialect'
import type { OaFollowQrcodesTable, SmsCodeRow, SmsCodeStatus, SmsCodesTable } from './h5-binding.table'

export async function insertSmsCode(db: Executor, row: Insertable<SmsCodesTable>): Promise<number> {
  return insertedId(await db.insertInto('sms_codes').values(row).executeTakeFirstOrThrow())
}

export type CodeScope = { orgId: number; mobile: string } | { openid: string } | { ip: string }

/**
 * Requests in the window that count towards a limit, up to and including request `upToId`: refusals never count (a
 * hammering caller cannot stretch a colleague's wait), concurrent requests do (each inserted before it counted).
 * Returns their times, oldest first, so the caller can say when the next one is allowed.
 */
export async function countedRequestTimes(db: Executor, scope: CodeScope, since: number, upToId: number): Promise<number[]> {
  let q = db
    .selectFrom('sms_codes')
    .select('created_at')
    .where('created_at', '>=', since)
    .where('id', '<=', upToId)
    .where('status', '!=', 'refused')
  if ('mobile' in scope) q = q.where('org_id', '=', scope.orgId).where('mobile', '=', scope.mobile)
  else if ('openid' in scope) q = q.where('openid', '=', scope.openid)
  else q = q.where('ip', '=', scope.ip)
  const rows = await q.orderBy('created_at', 'asc').execute()
  return rows.map((r) => r.created_at)
}

export async function setSmsCode(
  db: Executor,
  id: number,
  patch: { status: SmsCodeStatus; code_hash?: string | null; error?: string | null },
): Promise<void> {
  await db.updateTable('sms_codes').set(patch).where('id', '=', id).execute()
}

/** The newest code issued to this openid for this mobile: only the latest one verifies. */
export function latestIssuedCode(db: Executor, orgId: number, mobile: string, openid: string): Promise<SmsCodeRow | undefined> {
  return db
    .selectFrom('sms_codes')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('mobile', '=', mobile)
    .where('openid', '=', openid)
    .where('status', 'in', ['sent', 'used'])
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst()
}

/** Counts one attempt unless the limit is reached or the code is spent: false means it may not be tried at all. */
export async function takeAttempt(db: Executor, id: number, maxAttempts: number): Promise<boolean> {
  const r = await db
    .updateTable('sms_codes')
    .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
    .where('id', '=', id)
    .where('status', '=', 'sent')
    .where('attempts', '<', maxAttempts)
    .executeTakeFirst()
  return affected(r) === 1
}

/** sent → used, once: of two requests racing with the right code only one gets true. */
export async function consumeCode(db: Executor, id: number): Promise<boolean> {
  return (
    affected(
      await db.updateTable('sms_codes').set({ status: 'used' }).where('id', '=', id).where('status', '=', 'sent').executeTakeFirst(),
    ) === 1
  )
}

/** A fan who unfollowed: the codes sent for them (mobile + openid) go. */
export async function deleteCodesOfOpenid(db: Executor, orgId: number, openid: string): Promise<number> {
  return affected(await db.deleteFrom('sms_codes').where('org_id', '=', orgId).where('openid', '=', openid).executeTakeFirst())
}

export async function purgeCodesBefore(db: Executor, before: number): Promise<number> {
  return affected(await db.deleteFrom('sms_codes').where('created_at', '<', before).executeTakeFirst())
}

export function findFollowQr(db: Executor, orgId: number, accountId: number) {
  return db.selectFrom('oa_follow_qrcodes').selectAll().where('org_id', '=', orgId).where('account_id', '=', accountId).executeTakeFirst()
}

export async function insertFollowQr(db: Executor, row: Insertable<OaFollowQrcodesTable>): Promise<void> {
  await db.insertInto('oa_follow_qrcodes').values(row).execute()
}
