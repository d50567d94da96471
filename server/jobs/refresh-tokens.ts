// Every 5 minutes: WeCom access tokens that expire within 15 minutes are fetched anew, so no API call waits on gettoken.
import { type WecomApp } from '../modules/wecom-config/wecom-client'
import type { TokenFetcher } from '../platform/token-center'
import { defineJob } from './scheduler'

/**
 * Three runs fit in the window, so one failed run (WeCom busy, a restart) still leaves two chances before expiry.
 * Where WeCom hands back the same token until it expires (the sandbox does), a refresh cannot extend it; the run
 * then costs at most one gettoken per app, and the token center's refetch cooldown keeps calls from adding more.
 */
export const REFRESH_LOOKAHEAD_MS = 15 * 60_000

/** Token-center keys of the WeCom apps (see WecomClients) → the app whose secret fetches them. */
const WECOM_APPS: Record<string, WecomApp> = { 'wecom:contact': 'contact', 'wecom:agent': 'agent' }

export const refreshTokensJob = defineJob({
  name: 'refresh-tokens',
  title: '刷新企业微信访问令牌',
  schedule: '*/5 * * * *',
  // Well inside the 5-minute period; one org's slow gettoken (with its retries) is bounded by the client's own timeouts.
  timeoutMs: 4 * 60_000,
  async run({ deps, progress, log, signal }) {
    const due = (await deps.tokens.expiringWithin(REFRESH_LOOKAHEAD_MS)).filter((t) => t.app in WECOM_APPS)
    let refreshed = 0
    let failed = 0
    await progress(0, due.length)
    for (const [i, t] of due.entries()) {
      if (signal.aborted) break
      try {
        const client = await deps.wecom.for(t.orgId, WECOM_APPS[t.app])
        const fetcher: TokenFetcher = async () => {
          const res = await client.gettoken()
          return { token: res.access_token, expiresIn: res.expires_in }
        }
        // Through the token center, not around it: single-flight with calls in progress and other instances, and
        // minValidityMs makes it fetch although the stored token is still outside the usual margin.
        await deps.tokens.get(t.orgId, t.app, fetcher, { minValidityMs: REFRESH_LOOKAHEAD_MS })
        refreshed++
      } catch (err) {
        // One org's revoked secret or missing configuration must not keep the other orgs' tokens from refreshing.
        failed++
        log.warn({ err, orgId: t.orgId, app: t.app }, 'refreshing a WeCom token failed')
      }
      await progress(i + 1, due.length)
    }
    return { due: due.length, refreshed, failed }
  },
})
