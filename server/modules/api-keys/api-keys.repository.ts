// Queries for api_keys; the executor is always the first argument.
import type { Insertable } from 'kysely'
import type { Executor } from '../../db/database'
import { affected, insertedId } from '../../db/dialect'
import type { ApiKeyRow, ApiKeysTable } from './api-keys.table'

export async function insertApiKey(db: Executor, values: Insertable<ApiKeysTable>): Promise<number> {
  return insertedId(await db.insertInto('api_keys').values(values).executeTakeFirstOrThrow())
}

export function findApiKeyById(db: Executor, orgId: number, id: number): Promise<ApiKeyRow | undefined> {
  return db.selectFrom('api_keys').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst()
}

/** By the public key id, whichever org it belongs to: the ingest route learns the org from it. */
export function findApiKeyByKeyId(db: Executor, keyId: string): Promise<ApiKeyRow | undefined> {
  return db.selectFrom('api_keys').selectAll().where('key_id', '=', keyId).executeTakeFirst()
}

export function findDemoApiKey(db: Executor, orgId: number): Promise<ApiKeyRow | undefined> {
  return db
    .selectFrom('api_keys')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('is_demo', '=', 1)
    .where('revoked_at', 'is', null)
    .orderBy('id')
    .executeTakeFirst()
}

export function listApiKeys(db: Executor, orgId: number): Promise<ApiKeyRow[]> {
  return db.selectFrom('api_keys').selectAll().where('org_id', '=', orgId).orderBy('created_at', 'desc').orderBy('id', 'desc').execute()
}

/** Revokes once: a second revoke keeps the first time. */
export async function revokeApiKey(db: Executor, orgId: number, id: number, now: number): Promise<number> {
  return affected(
    await db
      .updateTable('api_keys')
      .set({ revoked_at: now })
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst(),
  )
}

export async function touchApiKey(db: Executor, id: number, now: number): Promise<void> {
  await db.updateTable('api_keys').set({ last_used_at: now }).where('id', '=', id).execute()
}
