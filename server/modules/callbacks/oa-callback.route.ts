// The Official Account callback endpoint /api/wechat/callback/<key>: the account's credentials, the OA envelope (plain, compatible, safe), then the shared endpoint.
import type { Deps } from '../../deps'
import type { Metrics } from '../../http/metrics'
import { oaEcho, openOaMessage } from '../../platform/oa/callback'
import type { CredentialCache } from '../../lib/credential-cache'
import { oaCallbackCredentials, type OaCallbackCredentials } from '../oa-config/oa-callback-credentials'
import { CallbackEndpoint } from './callback-endpoint'

export const OA_CALLBACK_PREFIX = '/api/wechat/callback'

export class OaCallbackReceiver extends CallbackEndpoint<OaCallbackCredentials> {
  readonly creds: CredentialCache<OaCallbackCredentials>

  constructor(deps: Deps, metrics?: Metrics) {
    const creds = oaCallbackCredentials(deps.db, deps.secrets, () => deps.clock.now())
    super(
      deps,
      {
        source: 'oa',
        prefix: OA_CALLBACK_PREFIX,
        credentials: creds,
        open: (c, query, body, now) => ({ orgId: c.orgId, ...openOaMessage(c, query, body, now) }),
        echo: (c, query, now) => oaEcho(c, query, now),
      },
      metrics,
    )
    this.creds = creds
  }
}
