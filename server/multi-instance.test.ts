// Two real server processes on one MariaDB database, the WeCom sandbox in a third: every callback, customer, welcome and tick once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectDb } from './db/connect'
import { buildXml } from './platform/xml'
import { TEST_DIALECT } from './testing/test-db'
import {
  createClusterDatabase,
  queueDrained,
  settledDeliveries,
  setUpClinic,
  startInstance,
  startSandboxProcess,
  type Clinic,
  type Delivery,
  type Instance,
  type SandboxProcess,
} from './testing/cluster'

const SCANS = 500
/** Deliveries of each half sent again to the other instance, as WeCom's retry would land behind a load balancer. */
const REPLAYS = 50

describe.skipIf(TEST_DIALECT !== 'mysql')('several instances on one MySQL', () => {
  let db: Awaited<ReturnType<typeof createClusterDatabase>>
  let sandbox: SandboxProcess
  let clinic: Clinic
  const instances: Instance[] = []

  beforeAll(async () => {
    db = await createClusterDatabase('crm_test_multi')
    sandbox = await startSandboxProcess()
    clinic = await setUpClinic(db.url, sandbox)
    // Both with workers and scheduler: the claims, the ticks and the token refresh are what is shared.
    const opts = {
      databaseUrl: db.url,
      sandboxUrl: sandbox.url,
      entry: 'server/testing/cluster-instance.ts',
      env: { QUEUE_CONCURRENCY: '8' },
    }
    // One after the other: two first starts at once race on creating the platform admin (see bootstrap.ts).
    instances.push(await startInstance({ ...opts, name: 'a' }))
    instances.push(await startInstance({ ...opts, name: 'b' }))
  }, 90_000)

  afterAll(async () => {
    await Promise.all(instances.map((i) => i.stop()))
    await sandbox?.stop()
    await db?.drop()
  }, 30_000)

  it('handles 500 scans spread over both: each callback stored once, each customer and welcome once, each tick once, one gettoken per app', async () => {
    const startedAt = Date.now()
    const scanned: string[] = []
    const scanHalf = async (target: Instance, n: number) => {
      await clinic.pointCallbacksAt(target.url)
      for (let i = 0; i < n; i += 25) {
        const batch = await Promise.all(
          Array.from({ length: Math.min(25, n - i) }, () =>
            sandbox.api<{ external_userid: string }>('POST', `/corps/${clinic.corpid}/scan`, { config_id: clinic.configId, wait: false }),
          ),
        )
        scanned.push(...batch.map((s) => s.external_userid))
      }
    }
    await scanHalf(instances[0], SCANS / 2)
    await scanHalf(instances[1], SCANS / 2)
    const deliveries = await settledDeliveries(sandbox, clinic.corpid)
    expect(deliveries).toHaveLength(SCANS)
    expect(deliveries.filter((d) => d.status !== 'delivered')).toEqual([])
    const byInstance = (inst: Instance) => deliveries.filter((d) => new URL(d.url).port === String(inst.port))
    expect(byInstance(instances[0])).toHaveLength(SCANS / 2)
    expect(byInstance(instances[1])).toHaveLength(SCANS / 2)

    // The identical request (URL, signature, body) at the other instance: acknowledged, and not a second event.
    const replay = async (d: Delivery, to: Instance) => {
      const u = new URL(d.url)
      const r = await fetch(`${to.url}${u.pathname}${u.search}`, {
        method: 'POST',
        headers: { 'content-type': 'text/xml; charset=utf-8' },
        body: buildXml({ ToUserName: clinic.corpid, AgentID: '', Encrypt: d.encrypt }),
      })
      return { status: r.status, text: await r.text() }
    }
    const replays = await Promise.all([
      ...byInstance(instances[0])
        .slice(0, REPLAYS)
        .map((d) => replay(d, instances[1])),
      ...byInstance(instances[1])
        .slice(0, REPLAYS)
        .map((d) => replay(d, instances[0])),
    ])
    expect(replays.filter((r) => r.status !== 200 || r.text !== 'success')).toEqual([])

    expect(await queueDrained(db.url)).toBe(true)
    const handle = await connectDb(db.url, { poolSize: 2 })
    try {
      // At least three refresh-tokens ticks (every 2 s) have passed while both instances ran; bounded wait.
      for (let i = 0; i < 100; i++) {
        const n = await handle.db
          .selectFrom('job_runs')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('trigger', '=', 'scheduled')
          .executeTakeFirstOrThrow()
        if (Number(n.n) >= 3) break
        await new Promise((r) => setTimeout(r, 200))
      }
      const events = await handle.db.selectFrom('callback_events').select(['external_userid']).where('org_id', '=', clinic.orgId).execute()
      const customers = await handle.db.selectFrom('customers').select(['external_userid']).where('org_id', '=', clinic.orgId).execute()
      const welcomes = await handle.db
        .selectFrom('welcome_sends')
        .select(['customer_external_userid', 'status'])
        .where('org_id', '=', clinic.orgId)
        .execute()
      const jobs = await handle.db.selectFrom('queue_jobs').select(['status']).where('kind', '=', 'wecom.callback').execute()
      const runs = await handle.db
        .selectFrom('job_runs')
        .select(['job_name', 'tick_key', 'instance'])
        .where('trigger', '=', 'scheduled')
        .execute()
      const tokens = await handle.db.selectFrom('platform_tokens').select(['app']).where('org_id', '=', clinic.orgId).execute()
      const sentWelcomes = (
        await sandbox.api<{ items: { external_userid: string }[] }>('GET', `/logs/welcome?corpid=${clinic.corpid}&limit=20000`)
      ).items
      const counters = await sandbox.api<{ endpoints: Record<string, { calls: number; ok: number }> }>('GET', '/counters')

      const once = (xs: (string | null)[]) => {
        const counts = new Map<string, number>()
        for (const x of xs) counts.set(x ?? '', (counts.get(x ?? '') ?? 0) + 1)
        return { distinct: counts.size, repeated: [...counts].filter(([, n]) => n > 1) }
      }
      const expected = { distinct: SCANS, repeated: [] }
      expect(new Set(scanned).size).toBe(SCANS)
      expect(once(events.map((e) => e.external_userid))).toEqual(expected)
      expect(jobs).toHaveLength(SCANS)
      expect(jobs.filter((j) => j.status !== 'done')).toEqual([])
      expect(once(customers.map((c) => c.external_userid))).toEqual(expected)
      expect(once(welcomes.map((w) => w.customer_external_userid))).toEqual(expected)
      expect(welcomes.filter((w) => w.status !== 'sent')).toEqual([])
      expect(once(sentWelcomes.map((w) => w.external_userid))).toEqual(expected)
      expect(new Set(customers.map((c) => c.external_userid))).toEqual(new Set(scanned))

      // refresh-tokens ticks every 2 s on both instances: one job_runs row per tick, whichever instance took it.
      const ticks = once(runs.map((r) => `${r.job_name} ${r.tick_key}`))
      expect(ticks.repeated).toEqual([])
      expect(ticks.distinct).toBeGreaterThanOrEqual(3)
      // No token expired during the run: one gettoken per app for both instances together.
      expect(tokens.length).toBeGreaterThanOrEqual(1)
      expect(counters.endpoints.gettoken?.ok).toBe(tokens.length)
      console.log(
        `multi-instance: ${SCANS} scans + ${2 * REPLAYS} replays in ${((Date.now() - startedAt) / 1000).toFixed(1)} s; ticks ${ticks.distinct} (by ${new Set(runs.map((r) => r.instance)).size} instances); gettoken ${counters.endpoints.gettoken?.calls}`,
      )
    } finally {
      await handle.close()
    }
  }, 120_000)
})
