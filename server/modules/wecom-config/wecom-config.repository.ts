// Queries for an org's WeCom configuration, its staff mirror and token times, and the decrypted callback credentials (cached briefly).
import type { Insertable } from 'kysely'
import type { Executor } from '../../db/database'
import { upsert } from '../../db/dialect'
import type { SecretBox } from '../../lib/secret-box'
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

export interface CallbackCredentials {
  orgId: number
  corpId: string
  token: string
  encodingAesKey: string
}

const CACHE_MS = 10_000
/** Keys remembered at once (hits and misses): enough for every org of an instance, bounded under a flood of junk keys. */
export const CALLBACK_CACHE_MAX = 1000
/** saveConfig makes keys of 12 random bytes in base64url, 16 characters; nothing else can be a key. */
const CALLBACK_KEY = /^[A-Za-z0-9_-]{1,16}$/

/**
 * Callback credentials by the key in the callback path. Cached for a few seconds: every callback needs them,
 * and a config change reaches every instance within CACHE_MS. Least recently used entries go first once the
 * cache is full, so junk keys (each a miss) cannot grow it; keys no saved config could have are not looked up.
 */
export class CallbackCredentialCache {
  private cache = new Map<string, { at: number; value: CallbackCredentials | null }>()
  constructor(
    private db: Executor,
    private secrets: SecretBox,
    private now: () => number,
    private readonly max = CALLBACK_CACHE_MAX,
  ) {}

  /** Could `key` be a callback key at all (the shape saveConfig gives them)? */
  static plausible(key: string): boolean {
    return CALLBACK_KEY.test(key)
  }

  async get(key: string): Promise<CallbackCredentials | null> {
    if (!CallbackCredentialCache.plausible(key)) return null
    const hit = this.cache.get(key)
    if (hit && this.now() - hit.at < CACHE_MS) {
      // Map order is insertion order: re-inserting marks the entry as the most recently used.
      this.cache.delete(key)
      this.cache.set(key, hit)
      return hit.value
    }
    const row = await findConfigByCallbackKey(this.db, key)
    const value = row
      ? {
          orgId: row.org_id,
          corpId: row.corp_id,
          token: this.secrets.open(row.callback_token_sealed),
          encodingAesKey: this.secrets.open(row.encoding_aes_key_sealed),
        }
      : null
    this.cache.delete(key)
    this.cache.set(key, { at: this.now(), value })
    while (this.cache.size > this.max) this.cache.delete(this.cache.keys().next().value!)
    return value
  }

  get size(): number {
    return this.cache.size
  }

  forget(key?: string) {
    if (key) this.cache.delete(key)
    else this.cache.clear()
  }
}
