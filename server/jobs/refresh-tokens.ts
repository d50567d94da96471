// Every 5 minutes: WeCom and Official Account access tokens that expire within 15 minutes are fetched anew, so no API call waits on gettoken.
import { OA_TOKEN_APP } from '../modules/oa-config/oa-client'
import { type WecomApp } from '../modules/wecom-config/wecom-client'
import type { TokenFetcher } from '../platform/token-center'
import type { Deps } from '../deps'
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
    const due = (await deps.tokens.expiringWithin(REFRESH_LOOKAHEAD_MS)).filter((t) => t.app in WECOM_APPS || t.app === OA_TOKEN_APP)
    let refreshed = 0
    let failed = 0
    await progress(0, due.length)
    for (const [i, t] of due.entries()) {
      if (signal.aborted) break
      try {
        const fetcher = t.app === OA_TOKEN_APP ? await oaFetcher(deps, t.orgId) : await wecomFetcher(deps, t.orgId, WECOM_APPS[t.app])
        // Through the token center, not around it: single-flight with calls in progress and other instances, and
        // minValidityMs makes it fetch although the stored token is still outside the usual margin.
        await deps.tokens.get(t.orgId, t.app, fetcher, { minValidityMs: REFRESH_LOOKAHEAD_MS })
        refreshed++
      } catch (err) {
        // One org's revoked secret or missing configuration must not keep the other orgs' tokens from refreshing.
        failed++
        log.warn({ err, orgId: t.orgId, app: t.app }, 'refreshing a platform token failed')
      }
      await progress(i + 1, due.length)
    }
    return { due: due.length, refreshed, failed }
  },
})

async function wecomFetcher(deps: Deps, orgId: number, app: WecomApp): Promise<TokenFetcher> {
  const client = await deps.wecom.for(orgId, app)
  return async () => {
    const res = await client.gettoken()
    return { token: res.access_token, expiresIn: res.expires_in }
  }
}

/**
 * OA tokens in normal mode (no force_refresh): within its last 5 minutes stable_token hands out a fresh token while
 * the old one stays valid, so a refresh never cuts off calls in flight on other instances. Owner 0 is the platform's account.
 */
async function oaFetcher(deps: Deps, owner: number): Promise<TokenFetcher> {
  const client = await deps.oa.forOwner(owner === 0 ? null : owner)
  return async () => {
    const res = await client.stableToken(false)
    return { token: res.access_token, expiresIn: res.expires_in }
  }
}
