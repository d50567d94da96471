// Two instances (their own token caches and clients, one database) on one Official Account: stable_token keeps both working without refresh storms.
import { afterEach, describe, expect, it } from 'vitest'
import type { DbHandle } from '../../db/connect'
import type { Deps } from '../../deps'
import { silentLogger } from '../../lib/logger'
import { TokenCenter } from '../../platform/token-center'
import { linkDemoOa } from '../../sandbox-link'
import { createTestDeps } from '../../testing/deps'
import { openSecondHandle } from '../../testing/test-db'
import { createWecomEnv, type WecomEnv } from '../../testing/wecom-env'

let env: WecomEnv | undefined
let second: DbHandle | undefined
afterEach(async () => {
  await second?.close()
  second = undefined
  await env?.close()
  env = undefined
})

const TOKEN_PATH = 'oa:/cgi-bin/stable_token'

describe('OA access token on two instances', () => {
  it('both fetch in normal mode and keep working; a token killed elsewhere is recovered without force-refresh storms', async () => {
    env = await createWecomEnv()
    const appid = await linkDemoOa(env.deps, env.sandbox, env.orgId)
    second = await openSecondHandle(env.handle)
    const a: Deps = env.deps
    // Its own token center under its own instance id, as a second process has: its own cache, lease owner and pool.
    const tokens = new TokenCenter({ db: second.db, clock: a.clock, secrets: a.secrets, log: silentLogger, instanceId: 'second' })
    const b: Deps = createTestDeps(second, { config: a.config, clock: a.clock, sandbox: env.sandbox.control, tokens }) as Deps
    const account = () => env!.sandbox.context.state.oa.accounts.get(appid)!
    const tokenCalls = () => env!.sandbox.control.getCounters().endpoints[TOKEN_PATH]?.calls ?? 0

    const burst = async (n: number) =>
      Promise.all(Array.from({ length: n }, (_, i) => (i % 2 ? a : b).oa.for(env!.orgId).then((c) => c.template.list())))
    const first = await burst(40)
    expect(first.every((r) => Array.isArray(r.template_list))).toBe(true)
    // Each instance asks at most once however many calls it makes at once; nobody forces.
    expect(tokenCalls()).toBeGreaterThan(0)
    expect(tokenCalls()).toBeLessThanOrEqual(2)
    expect(account().forceRefreshes).toHaveLength(0)

    // Another holder of the AppID force-refreshes: every token we hold dies (40001) at once.
    const killed = await fetch(`${env.baseUrl}/sandbox/oa/cgi-bin/stable_token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'client_credential',
        appid,
        secret: env.sandbox.control.listOaAccounts()[0]!.secret,
        force_refresh: true,
      }),
    })
    expect(((await killed.json()) as { access_token?: string }).access_token).toBeTruthy()
    const before = tokenCalls()
    const after = await burst(40)
    expect(after.every((r) => Array.isArray(r.template_list))).toBe(true)
    // Normal mode hands both the new token: a couple of fetches, and no force refresh of ours on top of the outsider's.
    expect(tokenCalls()).toBeGreaterThan(before)
    expect(tokenCalls() - before).toBeLessThanOrEqual(4)
    expect(account().forceRefreshes).toHaveLength(1)
  })
})
