// OA callback credentials by the key in the callback path, cached briefly (as WeCom's): a config change reaches every instance within seconds.
import type { Executor } from '../../db/database'
import type { SecretBox } from '../../lib/secret-box'
import type { OaMessageMode } from '../../platform/oa/callback'
import { CallbackCredentialCache } from '../wecom-config/wecom-config.repository'
import { findAccountByCallbackKey } from './oa-config.repository'

export interface OaCallbackCredentials {
  /** null: the platform's account, shared by the orgs without their own. */
  orgId: number | null
  appId: string
  token: string
  encodingAesKey: string | null
  mode: OaMessageMode
}

const CACHE_MS = 10_000
const CACHE_MAX = 1000

export class OaCallbackCredentialCache {
  private cache = new Map<string, { at: number; value: OaCallbackCredentials | null }>()
  constructor(
    private db: Executor,
    private secrets: SecretBox,
    private now: () => number,
    private readonly max = CACHE_MAX,
  ) {}

  async get(key: string): Promise<OaCallbackCredentials | null> {
    // Same key shape as WeCom's (saveOaConfig makes them alike): junk keys are never looked up.
    if (!CallbackCredentialCache.plausible(key)) return null
    const hit = this.cache.get(key)
    if (hit && this.now() - hit.at < CACHE_MS) {
      this.cache.delete(key)
      this.cache.set(key, hit)
      return hit.value
    }
    const row = await findAccountByCallbackKey(this.db, key)
    const value = row
      ? {
          orgId: row.org_id,
          appId: row.app_id,
          token: row.token,
          encodingAesKey: row.encoding_aes_key_sealed ? this.secrets.open(row.encoding_aes_key_sealed) : null,
          mode: row.message_mode,
        }
      : null
    this.cache.delete(key)
    this.cache.set(key, { at: this.now(), value })
    while (this.cache.size > this.max) this.cache.delete(this.cache.keys().next().value!)
    return value
  }

  forget(key?: string) {
    if (key) this.cache.delete(key)
    else this.cache.clear()
  }
}
