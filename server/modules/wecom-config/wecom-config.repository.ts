// Queries for an org's WeCom configuration, and the decrypted callback credentials (cached briefly).
import type { Executor } from '../../db/database'
import type { SecretBox } from '../../lib/secret-box'

export function findConfigByOrg(db: Executor, orgId: number) {
  return db.selectFrom('wecom_configs').selectAll().where('org_id', '=', orgId).executeTakeFirst()
}

export function findConfigByCallbackKey(db: Executor, key: string) {
  return db.selectFrom('wecom_configs').selectAll().where('callback_key', '=', key).executeTakeFirst()
}

export interface CallbackCredentials {
  orgId: number
  corpId: string
  token: string
  encodingAesKey: string
}

const CACHE_MS = 10_000

/**
 * Callback credentials by the key in the callback path. Cached for a few seconds: every callback needs them,
 * and a config change reaches every instance within CACHE_MS.
 */
export class CallbackCredentialCache {
  private cache = new Map<string, { at: number; value: CallbackCredentials | null }>()
  constructor(
    private db: Executor,
    private secrets: SecretBox,
    private now: () => number,
  ) {}

  async get(key: string): Promise<CallbackCredentials | null> {
    const hit = this.cache.get(key)
    if (hit && this.now() - hit.at < CACHE_MS) return hit.value
    const row = await findConfigByCallbackKey(this.db, key)
    const value = row
      ? { orgId: row.org_id, corpId: row.corp_id, token: this.secrets.open(row.callback_token_sealed), encodingAesKey: this.secrets.open(row.encoding_aes_key_sealed) }
      : null
    this.cache.set(key, { at: this.now(), value })
    return value
  }

  forget(key?: string) {
    if (key) this.cache.delete(key)
    else this.cache.clear()
  }
}
