// The WeCom callback endpoint /api/wework/callback/<key>: the org's credentials, WeCom's envelope, then the shared endpoint.
import type { Router } from 'express'
import type { Deps } from '../../deps'
import type { Metrics } from '../../http/metrics'
import { openEcho, openMessage } from '../../platform/wecom/callback'
import type { CredentialCache } from '../../lib/credential-cache'
import { wecomCallbackCredentials, type CallbackCredentials } from '../wecom-config/callback-credentials'
import { CallbackEndpoint } from './callback-endpoint'

export { CALLBACK_JOB } from './callback-store'
export { CALLBACK_WINDOW_MS } from '../../platform/wecom/callback'
export { CALLBACK_BODY_LIMIT_BYTES } from './callback-endpoint'

export const WECOM_CALLBACK_PREFIX = '/api/wework/callback'

export class WecomCallbackReceiver extends CallbackEndpoint<CallbackCredentials> {
  readonly creds: CredentialCache<CallbackCredentials>

  constructor(deps: Deps, metrics?: Metrics) {
    const creds = wecomCallbackCredentials(deps.db, deps.secrets, () => deps.clock.now())
    super(
      deps,
      {
        source: 'wecom',
        prefix: WECOM_CALLBACK_PREFIX,
        credentials: creds,
        open: (c, query, body, now) => ({ orgId: c.orgId, ...openMessage(c, query, body, now) }),
        echo: (c, query, now) => openEcho(c, query, now),
      },
      metrics,
    )
    this.creds = creds
  }
}

/** The Express routes only (GET verification and POST); production also installs receiver.fastPath() ahead of Express. */
export function createWecomCallbackRouter(deps: Deps, metrics?: Metrics): Router {
  return new WecomCallbackReceiver(deps, metrics).router()
}
