// Queries for Official Account configurations: an org's own row, the platform's row (org_id NULL), by callback key and by verify file.
import type { Insertable, Updateable } from 'kysely'
import type { Executor } from '../../db/database'
import { insertedId } from '../../db/dialect'
import type { OaAccountsTable } from './oa-config.table'

/** null: the platform's account. */
export type OaOwner = number | null

export function findOwnAccount(db: Executor, owner: OaOwner) {
  const q = db.selectFrom('oa_accounts').selectAll()
  return (owner === null ? q.where('org_id', 'is', null) : q.where('org_id', '=', owner)).orderBy('id').executeTakeFirst()
}

/** The account an org uses: its own row, else the platform's row if there is one. */
export async function findAccountForOrg(db: Executor, orgId: number) {
  return (await findOwnAccount(db, orgId)) ?? (await findOwnAccount(db, null))
}

/** Of these orgs, the active ones without an account of their own: they use the platform's. */
export async function orgsUsingPlatformAccount(db: Executor, orgIds: readonly number[]): Promise<number[]> {
  if (orgIds.length === 0) return []
  const own = await db.selectFrom('oa_accounts').select('org_id').where('org_id', 'in', orgIds).execute()
  const active = await db.selectFrom('orgs').select('id').where('id', 'in', orgIds).where('status', '=', 'active').execute()
  const owning = new Set(own.map((r) => r.org_id))
  return active.map((r) => r.id).filter((id) => !owning.has(id))
}

export function findAccountByCallbackKey(db: Executor, key: string) {
  return db.selectFrom('oa_accounts').selectAll().where('callback_key', '=', key).executeTakeFirst()
}

export function findVerifyFile(db: Executor, fileName: string) {
  return db
    .selectFrom('oa_accounts')
    .select(['verify_file_content'])
    .where('verify_file_name', '=', fileName)
    .where('verify_file_content', 'is not', null)
    .orderBy('id')
    .executeTakeFirst()
}

export async function insertAccount(db: Executor, row: Omit<Insertable<OaAccountsTable>, 'owner_key'>): Promise<number> {
  return insertedId(
    await db
      .insertInto('oa_accounts')
      .values({ ...row, owner_key: tokenOwner(row.org_id ?? null) })
      .executeTakeFirstOrThrow(),
  )
}

export async function updateAccount(db: Executor, id: number, set: Updateable<OaAccountsTable>): Promise<void> {
  await db.updateTable('oa_accounts').set(set).where('id', '=', id).execute()
}

/** Token-center owner of an account's access token: the org, or 0 for the platform's account. */
export const tokenOwner = (owner: OaOwner): number => owner ?? 0

export async function deleteOaTokens(db: Executor, owner: OaOwner): Promise<void> {
  await db.deleteFrom('platform_tokens').where('org_id', '=', tokenOwner(owner)).where('app', '=', 'oa').execute()
}

export function findOaTokenTimes(db: Executor, owner: OaOwner) {
  return db
    .selectFrom('platform_tokens')
    .select(['expires_at', 'refreshed_at'])
    .where('org_id', '=', tokenOwner(owner))
    .where('app', '=', 'oa')
    .executeTakeFirst()
}
