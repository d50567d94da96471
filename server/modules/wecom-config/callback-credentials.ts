// WeCom callback credentials by the key in the callback path, opened from the org's sealed config and cached briefly.
import type { Executor } from '../../db/database'
import { CredentialCache } from '../../lib/credential-cache'
import type { SecretBox } from '../../lib/secret-box'
import { findConfigByCallbackKey } from './wecom-config.repository'

export { CREDENTIAL_CACHE_MAX as CALLBACK_CACHE_MAX } from '../../lib/credential-cache'

export interface CallbackCredentials {
  orgId: number
  corpId: string
  token: string
  encodingAesKey: string
}

/** saveConfig (and the OA config) make keys of 12 random bytes in base64url, 16 characters; nothing else can be a key. */
const CALLBACK_KEY = /^[A-Za-z0-9_-]{1,16}$/
export const plausibleCallbackKey = (key: string): boolean => CALLBACK_KEY.test(key)

export function wecomCallbackCredentials(db: Executor, secrets: SecretBox, now: () => number): CredentialCache<CallbackCredentials> {
  return new CredentialCache({
    plausible: plausibleCallbackKey,
    now,
    load: async (key) => {
      const row = await findConfigByCallbackKey(db, key)
      return row
        ? {
            orgId: row.org_id,
            corpId: row.corp_id,
            token: secrets.open(row.callback_token_sealed),
            encodingAesKey: secrets.open(row.encoding_aes_key_sealed),
          }
        : null
    },
  })
}
