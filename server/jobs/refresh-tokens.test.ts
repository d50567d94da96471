// refresh-tokens against the sandbox on a hand-moved clock: which tokens it refreshes, failures per org, progress, the run record.
import { afterEach, describe, expect, it } from 'vitest'
import { ManualClock } from '../lib/clock'
import { silentLogger } from '../lib/logger'
import { linkOrgToSandboxCorp } from '../sandbox-link'
import { saveOaConfig } from '../modules/oa-config/oa-config.service'
import { createOrgWithUser } from '../testing/deps'
import { createWecomEnv, type WecomEnv } from '../testing/wecom-env'
import { allJobs } from './index'
import { refreshTokensJob } from './refresh-tokens'
import { Scheduler } from './scheduler'

const MIN = 60_000

let env: WecomEnv | undefined
afterEach(async () => {
  await env?.close()
  env = undefined
})

/** Runs the job body directly, recording what it reports as progress. */
async function runJob(e: WecomEnv) {
  const progress: [number, number][] = []
  const summary = await refreshTokensJob.run({
    deps: e.deps,
    runId: 0,
    trigger: 'manual',
    progress: async (done, total) => {
      progress.push([done, total])
    },
    log: silentLogger,
    signal: new AbortController().signal,
  })
  return { summary, progress }
}

async function tokenRow(e: WecomEnv, orgId: number, app: string) {
  return e.deps.db
    .selectFrom('platform_tokens')
    .select(['expires_at', 'refreshed_at'])
    .where('org_id', '=', orgId)
    .where('app', '=', app)
    .executeTakeFirstOrThrow()
}

const gettokens = (e: WecomEnv) => e.sandbox.control.getCounters().endpoints.gettoken ?? { calls: 0, ok: 0, errors: {} }

/**
 * Org B: its own sandbox corp, contact token at t0; later its secret is reset in the WeCom console.
 * Org A: contact token at t0 + 1 min (so B's failure comes first in the run), agent token at t0 + 50 min.
 * The clock ends at t0 + 110 min: both contact tokens expire in about 10 min, A's agent token in an hour.
 */
async function twoOrgs(clock: ManualClock) {
  const e = await createWecomEnv({ clock, workers: false })
  const b = await createOrgWithUser(e.deps, 'org_admin')
  const corpB = e.sandbox.control.createCorp({ name: '第二诊所', members: [{ userid: 'zhaolei', name: '赵磊' }] })
  await linkOrgToSandboxCorp(e.deps, e.sandbox, b.orgId, corpB.corpid)
  clock.advance(1 * MIN)
  // WeCom drops A's token early; A's next call renews it, a minute after B's.
  e.sandbox.control.invalidateTokens({ corpid: e.corpid })
  await (await e.deps.wecom.for(e.orgId, 'contact')).externalContact.getFollowUserList()
  clock.advance(49 * MIN)
  await (await e.deps.wecom.for(e.orgId, 'agent')).getToken()
  clock.advance(60 * MIN)
  const contactB = e.sandbox.state.corps.get(corpB.corpid)!.apps.find((a) => a.kind === 'contact')!
  contactB.secret = 'reset-in-the-wecom-console-000000000000000'
  return { e, orgB: b.orgId }
}

describe('refresh-tokens', () => {
  it('is registered, every 5 minutes', () => {
    expect(allJobs().find((j) => j.name === 'refresh-tokens')).toMatchObject({ schedule: '*/5 * * * *', title: '刷新企业微信访问令牌' })
  })

  it('refreshes a token 10 min from expiry and leaves one an hour away; a failing org is counted and does not stop the rest', async () => {
    const clock = new ManualClock()
    const t0 = clock.now()
    const { e, orgB } = await twoOrgs(clock)
    env = e
    e.sandbox.control.resetCounters()
    expect((await e.deps.tokens.expiringWithin(15 * MIN)).map((t) => [t.orgId, t.app])).toEqual([
      [orgB, 'wecom:contact'],
      [e.orgId, 'wecom:contact'],
    ])

    const { summary, progress } = await runJob(e)
    expect(summary).toEqual({ due: 2, refreshed: 1, failed: 1 })
    expect(progress).toEqual([
      [0, 2],
      [1, 2],
      [2, 2],
    ])
    // One gettoken for org A's contact token; org B's try is refused; none for A's agent token.
    expect(gettokens(e)).toEqual({ calls: 2, ok: 1, errors: { 40001: 1 } })
    expect(Number((await tokenRow(e, e.orgId, 'wecom:contact')).refreshed_at)).toBe(clock.now())
    expect(Number((await tokenRow(e, e.orgId, 'wecom:agent')).refreshed_at)).toBe(t0 + 50 * MIN)
    expect(Number((await tokenRow(e, orgB, 'wecom:contact')).refreshed_at)).toBe(t0)
    // The sandbox, like WeCom, hands back the same token while it is valid, so its expiry does not move (see below).
    expect(Number((await tokenRow(e, e.orgId, 'wecom:contact')).expires_at)).toBe(t0 + (1 + 120) * MIN)

    // The contact app keeps working on the token the job stored, without another gettoken.
    e.sandbox.control.resetCounters()
    const client = await e.deps.wecom.for(e.orgId, 'contact')
    expect((await client.externalContact.getFollowUserList()).follow_user).toHaveLength(3)
    expect(gettokens(e).calls).toBe(0)
  })

  it('stores a new token with its full lifetime when WeCom has one to give', async () => {
    const clock = new ManualClock()
    env = await createWecomEnv({ clock, workers: false })
    clock.advance(110 * MIN)
    // WeCom retired the token early; the sandbox then issues a new one with the whole 7200 s.
    env.sandbox.control.invalidateTokens({ corpid: env.corpid })
    env.sandbox.control.resetCounters()
    expect((await runJob(env)).summary).toEqual({ due: 1, refreshed: 1, failed: 0 })
    expect(gettokens(env)).toEqual({ calls: 1, ok: 1, errors: {} })
    expect(Number((await tokenRow(env, env.orgId, 'wecom:contact')).expires_at)).toBe(clock.now() + 7200_000)
    // Nothing is due any more.
    expect((await runJob(env)).summary).toEqual({ due: 0, refreshed: 0, failed: 0 })
  })

  it('runs through the scheduler and records the counts as the run summary', async () => {
    const clock = new ManualClock()
    env = await createWecomEnv({ clock, workers: false })
    clock.advance(110 * MIN)
    const scheduler = new Scheduler({ deps: env.deps, jobs: allJobs(), instanceId: 'refresh-test' })
    const started = await scheduler.runNow('refresh-tokens')
    await scheduler.idle()
    const run = await env.deps.db.selectFrom('job_runs').selectAll().where('id', '=', started!.runId).executeTakeFirstOrThrow()
    expect(run).toMatchObject({ status: 'succeeded', error: null })
    expect([Number(run.progress_done), Number(run.progress_total)]).toEqual([1, 1])
    expect(JSON.parse(run.summary!)).toEqual({ due: 1, refreshed: 1, failed: 0 })
  })
})

describe('refresh-tokens: Official Account', () => {
  it('renews an org’s and the platform’s OA token in normal mode (stable_token without force_refresh) near expiry', async () => {
    const clock = new ManualClock()
    const e = await createWecomEnv({ clock, workers: false })
    env = e
    const own = e.sandbox.control.createOaAccount({ name: '自有号', oauth_domain: 'own.test' })
    const shared = e.sandbox.control.createOaAccount({ name: '平台号', oauth_domain: 'platform.test' })
    const form = (a: { appid: string; secret: string }) => ({
      name: '号',
      appId: a.appid,
      appSecret: a.secret,
      token: 'tok123',
      messageMode: 'plain' as const,
    })
    await saveOaConfig(e.deps, e.orgId, form(own))
    await saveOaConfig(e.deps, null, form(shared))
    const oldOwn = await (await e.deps.oa.forOwner(e.orgId)).getToken()
    await (await e.deps.oa.forOwner(null)).getToken()
    // 116 minutes in: 4 minutes left, inside the platform's rotation window.
    clock.advance(116 * MIN)
    const { summary } = await runJob(e)
    // The linked org's WeCom contact token is due as well.
    expect(summary).toEqual({ due: 3, refreshed: 3, failed: 0 })
    for (const owner of [e.orgId, 0]) expect(Number((await tokenRow(e, owner, 'oa')).expires_at)).toBe(clock.now() + 120 * MIN)
    const stableCalls = e.sandbox.control.getCounters().endpoints['oa:/cgi-bin/stable_token']
    expect(stableCalls?.errors ?? {}).toEqual({})
    // Normal mode: the old token keeps working until its own expiry.
    expect(await (await e.deps.oa.forOwner(e.orgId)).getToken()).not.toBe(oldOwn)
  })
})
