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
      ? { orgId: row.org_id, corpId: row.corp_id, token: this.secrets.open(row.callback_token_sealed), encodingAesKey: this.secrets.open(row.encoding_aes_key_sealed) }
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
