// OA callback credentials by the key in the callback path, cached briefly (as WeCom's): a config change reaches every instance within seconds.
import type { Executor } from '../../db/database'
import { CredentialCache } from '../../lib/credential-cache'
import type { SecretBox } from '../../lib/secret-box'
import type { OaMessageMode } from '../../platform/oa/callback'
import { plausibleCallbackKey } from '../wecom-config/callback-credentials'
import { findAccountByCallbackKey } from './oa-config.repository'

export interface OaCallbackCredentials {
  /** null: the platform's account, shared by the orgs without their own. */
  orgId: number | null
  appId: string
  token: string
  encodingAesKey: string | null
  mode: OaMessageMode
}

export function oaCallbackCredentials(db: Executor, secrets: SecretBox, now: () => number): CredentialCache<OaCallbackCredentials> {
  return new CredentialCache({
    // Same key shape as WeCom's (saveOaConfig makes them alike): junk keys are never looked up.
    plausible: plausibleCallbackKey,
    now,
    load: async (key) => {
      const row = await findAccountByCallbackKey(db, key)
      return row
        ? {
            orgId: row.org_id,
            appId: row.app_id,
            token: row.token,
            encodingAesKey: row.encoding_aes_key_sealed ? secrets.open(row.encoding_aes_key_sealed) : null,
            mode: row.message_mode,
          }
        : null
    },
  })
}
