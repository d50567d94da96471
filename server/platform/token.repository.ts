// Queries on platform_tokens: the stored (sealed) access token of each (org, app).
import type { Executor } from '../db/database'
import { upsert } from '../db/dialect'

export interface StoredTokenRow {
  id: number
  token_sealed: string
  expires_at: number
  refreshed_at: number
}

export function findToken(db: Executor, orgId: number, app: string): Promise<StoredTokenRow | undefined> {
  return db
    .selectFrom('platform_tokens')
    .select(['id', 'token_sealed', 'expires_at', 'refreshed_at'])
    .where('org_id', '=', orgId)
    .where('app', '=', app)
    .executeTakeFirst()
}

export async function saveToken(
  db: Executor,
  row: { orgId: number; app: string; sealed: string; expiresAt: number; refreshedAt: number },
): Promise<void> {
  await upsert(
    db,
    'platform_tokens',
    { org_id: row.orgId, app: row.app, token_sealed: row.sealed, expires_at: row.expiresAt, refreshed_at: row.refreshedAt },
    ['org_id', 'app'],
    ['token_sealed', 'expires_at', 'refreshed_at'],
  )
}

/** Compare-and-delete on the sealed text: the seal is randomised, so it identifies this exact write. */
export async function deleteTokenIfUnchanged(db: Executor, id: number, sealed: string): Promise<boolean> {
  const res = await db.deleteFrom('platform_tokens').where('id', '=', id).where('token_sealed', '=', sealed).executeTakeFirst()
  return Number(res.numDeletedRows) === 1
}

export function listTokensExpiringBefore(db: Executor, at: number): Promise<{ org_id: number; app: string; expires_at: number }[]> {
  return db
    .selectFrom('platform_tokens')
    .select(['org_id', 'app', 'expires_at'])
    .where('expires_at', '<', at)
    .orderBy('expires_at')
    .execute()
}
