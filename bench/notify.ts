// Benchmark P5: N intent events through the signed ingest route → template messages, the server and the sandbox (+50 ms) each in their own process, on MariaDB.
//
//   npx tsx bench/notify.ts [--events=10000] [--latency=50] [--employees=4] [--concurrency=2] [--queue-concurrency=16] [--kill]
//
// Prints ingest accepted events/s, template sends/s (the sandbox's count over time), 45009s, the exactly-once check
// (sandbox template count = template delivery rows = N, no client_msg_id twice), the server process's CPU per event and
// the sandbox process's CPU per send.
// --kill: kill -9 the server once about half-way through the sends, start it again on the same port, check again.
import { readFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { loadConfig } from '../server/config'
import { connectDb } from '../server/db/connect'
import { buildDeps } from '../server/build-deps'
import { systemClock } from '../server/lib/clock'
import { silentLogger } from '../server/lib/logger'
import { generateEncodingAesKey } from '../server/platform/crypto'
import { createApiKey } from '../server/modules/api-keys/api-keys.service'
import { createEmployee } from '../server/modules/employees/employees.service'
import { setEmployee } from '../server/modules/employees/employees.repository'
import { signIngest } from '../server/modules/ingest/ingest.service'
import { INGEST_EVENTS_PATH } from '../server/modules/ingest/ingest-openapi'
import { getNotifySettingsView, saveNotifySettings } from '../server/modules/notifications/notify-settings.service'
import { saveOaConfig } from '../server/modules/oa-config/oa-config.service'
import { createPushConfig } from '../server/modules/push-configs/push-configs.service'
import { createOrgWithUser } from '../server/testing/deps'
import {
  CLUSTER_SECRET_KEY,
  createClusterDatabase,
  freePort,
  startInstance,
  startSandboxProcess,
  type Instance,
  type SandboxProcess,
} from '../server/testing/cluster'

const args = process.argv.slice(2)
const opt = (name: string, dflt: number) => Number(args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? dflt)
const EVENTS = opt('events', 10_000)
const LATENCY = opt('latency', 50)
const EMPLOYEES = opt('employees', 4)
const CONCURRENCY = opt('concurrency', 2)
const QUEUE_CONCURRENCY = opt('queue-concurrency', 16)
const KILL = args.includes('--kill')
const PER_REQUEST = 1000
const STALL_MS = 60_000

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms))

function cpuSeconds(pid: number | undefined): number {
  if (!pid) return NaN
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    return (Number(fields[11]) + Number(fields[12])) / 100
  } catch {
    return NaN
  }
}

function batch(from: number, n: number): string {
  const events = Array.from({ length: n }, (_, k) => {
    const i = from + k
    return {
      type: 'call_result',
      idempotency_key: `p5-${i}`,
      call_id: `p5-c${i}`,
      batch_id: 'p5',
      line_id: `L-0${i % 3}`,
      phone: `139${String(i).padStart(8, '0')}`,
      customer_name: '王女士',
      script_template_id: 'P5',
      intention_level: 'A',
      result_class: 'A',
      called_at: new Date().toISOString(),
      detail_url: `https://call.example.com/calls/${i}`,
    }
  })
  return JSON.stringify({ events })
}

interface SentTemplate {
  touser: string
  client_msg_id?: string
}

/** The clinic: an org on the sandbox OA account (callbacks to `baseUrl`), EMPLOYEES bound fans, a 顺序推送 config for level A, an API key. */
async function setUp(databaseUrl: string, sandbox: SandboxProcess, baseUrl: string) {
  const handle = await connectDb(databaseUrl, { poolSize: 2 })
  try {
    const config = loadConfig({
      NODE_ENV: 'production',
      APP_SECRET_KEY: CLUSTER_SECRET_KEY,
      DATABASE_URL: databaseUrl,
      PUBLIC_BASE_URL: baseUrl,
      OA_API_BASE: `${sandbox.url}/oa`,
      SANDBOX: '0',
      LOG_LEVEL: 'silent',
    })
    const deps = buildDeps({ config, db: handle.db, dialect: handle.kind, clock: systemClock, log: silentLogger, instanceId: 'setup' })
    const { orgId } = await createOrgWithUser(deps, 'org_admin', '通知压测诊所')
    const account = await sandbox.api<{ appid: string; secret: string; templates: { template_id: string }[] }>('POST', '/oa/accounts', {
      name: '通知压测公众号',
      oauth_domain: new URL(baseUrl).host,
    })
    const token = randomBytes(8).toString('hex')
    const encodingAesKey = generateEncodingAesKey()
    const view = await saveOaConfig(deps, orgId, {
      name: '通知压测公众号',
      appId: account.appid,
      appSecret: account.secret,
      token,
      encodingAesKey,
      messageMode: 'safe',
    } as never)
    await sandbox.api('PUT', `/oa/accounts/${account.appid}/callback`, {
      url: (view as { callbackUrl: string }).callbackUrl,
      token,
      encodingAesKey,
    })

    const employeeIds: number[] = []
    for (let i = 0; i < EMPLOYEES; i++) {
      const fan = await sandbox.api<{ openid: string }>('POST', `/oa/accounts/${account.appid}/fans`, {
        nickname: `员工${i + 1}`,
        subscribed: true,
      })
      const e = await createEmployee(deps, orgId, { name: `员工${i + 1}`, mobile: `1370000${String(i).padStart(4, '0')}` } as never)
      await setEmployee(handle.db, orgId, e.id, { openid: fan.openid, bound_at: Date.now(), follows_oa: 1, updated_at: Date.now() })
      employeeIds.push(e.id)
    }
    await createPushConfig(deps, orgId, {
      scriptTemplateId: 'P5',
      scriptTemplateName: '压测话术',
      intentionLevels: ['A'],
      pushMode: 'round_robin',
      employeeIds,
    } as never)
    const settings = (await getNotifySettingsView(deps, orgId)).settings
    const templateId = account.templates[0]!.template_id
    settings.scenes.intent = { ...settings.scenes.intent, inbox: true, template: true, sms: false, templateId }
    await saveNotifySettings(deps, orgId, settings)
    const key = await createApiKey(deps, orgId, { name: 'p5' })
    await handle.db.deleteFrom('platform_tokens').execute()
    await sandbox.api('DELETE', '/counters')
    return { orgId, appid: account.appid, key }
  } finally {
    await handle.close()
  }
}

async function dbCounts(databaseUrl: string, orgId: number) {
  const handle = await connectDb(databaseUrl, { poolSize: 1 })
  try {
    const rows = await handle.db
      .selectFrom('notification_deliveries')
      .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
      .where('org_id', '=', orgId)
      .where('channel', '=', 'template')
      .groupBy('status')
      .execute()
    const byStatus = Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]))
    const notifications = Number(
      (
        await handle.db
          .selectFrom('notifications')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('org_id', '=', orgId)
          .executeTakeFirstOrThrow()
      ).n,
    )
    return { byStatus, templateRows: rows.reduce((s, r) => s + Number(r.n), 0), notifications }
  } finally {
    await handle.close()
  }
}

const sandbox = await startSandboxProcess()
const database = await createClusterDatabase('bench_notify')
const port = await freePort()
const baseUrl = `http://127.0.0.1:${port}`
let server: Instance | undefined
try {
  const { orgId, appid, key } = await setUp(database.url, sandbox, baseUrl)
  const instanceOptions = {
    name: 'p5',
    databaseUrl: database.url,
    sandboxUrl: sandbox.url,
    port,
    env: {
      OA_API_BASE: `${sandbox.url}/oa`,
      SMS_API_BASE: `${sandbox.url}/sms`,
      SCHEDULER: '0',
      QUEUE_CONCURRENCY: String(QUEUE_CONCURRENCY),
    },
  }
  server = await startInstance(instanceOptions)
  await sandbox.api('PUT', '/faults', { rules: [{ latencyMs: LATENCY }] })

  // Polls the send counter (cheap) and lists the messages (10 000 of them are megabytes of JSON for the sandbox to build)
  // only once the counter says enough calls were answered: repeats after a kill count as calls, not as messages.
  const sentNow = async () => {
    const counters = await sandbox.api<{ endpoints: Record<string, { ok?: number }> }>('GET', '/counters')
    const ok = Object.entries(counters.endpoints).find(([name]) => name.includes('message/template/send'))?.[1]?.ok ?? 0
    if (ok < EVENTS) return ok
    return (await sandbox.api<SentTemplate[]>('GET', `/oa/accounts/${appid}/template-messages`)).length
  }
  const sandboxCpuBefore = cpuSeconds(sandbox.child.pid)
  const bodies = Array.from({ length: Math.ceil(EVENTS / PER_REQUEST) }, (_, r) =>
    batch(r * PER_REQUEST, Math.min(PER_REQUEST, EVENTS - r * PER_REQUEST)),
  )
  let cpuBefore = cpuSeconds(server.child.pid)
  let cpuAcc = 0
  const t0 = performance.now()
  let next = 0
  let accepted = 0
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++]!
        const ts = String(Math.floor(Date.now() / 1000))
        const res = await fetch(`${baseUrl}${INGEST_EVENTS_PATH}`, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            'X-Api-Key': key.keyId,
            'X-Timestamp': ts,
            'X-Signature': signIngest(key.secret, ts, body),
          },
          body,
        })
        const out = (await res.json()) as { accepted?: unknown[] }
        if (!res.ok) throw new Error(`HTTP ${res.status}: ${JSON.stringify(out)}`)
        accepted += out.accepted!.length
      }
    }),
  )
  const ingestMs = performance.now() - t0

  // Sends: the sandbox's count over time, until N or no progress for STALL_MS.
  const samples: { t: number; n: number }[] = []
  let killedAt: number | null = null
  let restartMs = 0
  let last = -1
  let lastChange = performance.now()
  for (;;) {
    const n = await sentNow()
    const t = performance.now()
    samples.push({ t, n })
    if (n !== last) {
      last = n
      lastChange = t
    }
    if (n >= EVENTS || t - lastChange > STALL_MS) break
    if (KILL && killedAt === null && n >= EVENTS / 2) {
      killedAt = n
      cpuAcc += cpuSeconds(server.child.pid) - cpuBefore
      server.child.kill('SIGKILL')
      await new Promise((r) => server!.child.once('exit', r))
      const r0 = performance.now()
      server = await startInstance(instanceOptions)
      restartMs = performance.now() - r0
      cpuBefore = cpuSeconds(server.child.pid)
    }
    await pause(500)
  }
  // Let TEMPLATESENDJOBFINISH callbacks and any stray retries land before counting.
  await pause(3000)
  cpuAcc += cpuSeconds(server.child.pid) - cpuBefore
  const sandboxCpu = cpuSeconds(sandbox.child.pid) - sandboxCpuBefore
  const endMs = performance.now()

  const sent = await sandbox.api<SentTemplate[]>('GET', `/oa/accounts/${appid}/template-messages`)
  const ids = sent.map((m) => m.client_msg_id)
  const uniqueIds = new Set(ids.filter(Boolean)).size
  const counters = await sandbox.api<{ endpoints: Record<string, Record<string, unknown>> }>('GET', '/counters')
  const sendCounter = Object.entries(counters.endpoints).find(([name]) => name.includes('message/template/send'))?.[1]
  const count45009 = JSON.stringify(sendCounter ?? {}).match(/"45009":(\d+)/)?.[1] ?? '0'
  const db = await dbCounts(database.url, orgId)

  const firstSend = samples.find((s) => s.n > 0)?.t ?? t0
  const lastSample = samples[samples.length - 1]!
  const sendWindowMs = Math.max(1, lastSample.t - t0)
  const exactlyOnce = sent.length === EVENTS && db.templateRows === EVENTS && uniqueIds === EVENTS && ids.length === EVENTS

  const row = (k: string, v: string | number) => console.log(`| ${k} | ${v} |`)
  console.log(
    `\nP5: ${EVENTS} level-A call_result events, ${PER_REQUEST} per request, ${CONCURRENCY} in flight; sandbox +${LATENCY} ms; ${EMPLOYEES} employees 顺序推送; queue concurrency ${QUEUE_CONCURRENCY}; MariaDB${KILL ? '; kill -9 once' : ''}\n`,
  )
  console.log('| measure | value |')
  console.log('|---|---|')
  row('ingest accepted', `${accepted} in ${(ingestMs / 1000).toFixed(2)} s = ${Math.round((accepted / ingestMs) * 1000)} events/s`)
  row(
    'template sends (sandbox)',
    `${sent.length} in ${(sendWindowMs / 1000).toFixed(1)} s from the first POST = ${Math.round((sent.length / sendWindowMs) * 1000)} sends/s (first send after ${((firstSend - t0) / 1000).toFixed(1)} s)`,
  )
  row('sandbox send counter', JSON.stringify(sendCounter ?? null))
  row('45009 from the sandbox', count45009)
  row('notifications / template delivery rows', `${db.notifications} / ${db.templateRows} ${JSON.stringify(db.byStatus)}`)
  row('distinct client_msg_id', uniqueIds)
  row('exactly once (sandbox = rows = N, no duplicate client_msg_id)', exactlyOnce ? 'yes' : 'NO')
  if (KILL) row('kill -9', killedAt === null ? 'not reached' : `at ${killedAt} sent; restart ready in ${(restartMs / 1000).toFixed(1)} s`)
  row(
    'server CPU',
    `${(cpuAcc * 1000).toFixed(0)} ms = ${((cpuAcc * 1000) / EVENTS).toFixed(2)} ms / event (over ${((endMs - t0) / 1000).toFixed(1)} s)`,
  )
  row('sandbox CPU', `${(sandboxCpu * 1000).toFixed(0)} ms = ${((sandboxCpu * 1000) / EVENTS).toFixed(2)} ms / send`)
  if (!exactlyOnce) process.exitCode = 1
} finally {
  await server?.stop()
  await sandbox.stop()
  await database.drop()
}
