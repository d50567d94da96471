// Benchmark P4: a broadcast to 100 000 customers over 200 senders, the sandbox in its own process with 30 ms per call;
// prints add_msg_template calls vs Σ⌈nₛ/10 000⌉, time to all batches submitted, peak RSS, tag-filter target resolution,
// and result polling (get_groupmsg_send_result calls and time).
// --kill: the dispatcher runs in a child process that is killed with SIGKILL at random points during the send and
// started again each time; prints sandbox tasks vs Σ⌈nₛ/10 000⌉ (duplicate batches), lost targets, time and restarts.
//
//   npx tsx bench/broadcast.ts [sqlite|mysql|both] [--customers=100000] [--staff=200] [--latency=30] [--kill[=10]] [--seed=N]
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connectDb } from '../server/db/connect'
import { migrateToLatest } from '../server/db/migrate'
import { buildDeps } from '../server/build-deps'
import { loadConfig } from '../server/config'
import { systemClock } from '../server/lib/clock'
import { silentLogger } from '../server/lib/logger'
import {
  CLUSTER_SECRET_KEY,
  ROOT,
  createClusterDatabase,
  setUpClinic,
  startSandboxProcess,
  type SandboxProcess,
} from '../server/testing/cluster'
import { syncCorpTags } from '../server/modules/tags/tags.service'
import type { Deps } from '../server/deps'
import { findSenderCandidates } from '../server/modules/broadcasts/broadcasts.repository'
import {
  BatchInFlightError,
  createBroadcast,
  dispatchBroadcast,
  pickSenders,
  pollBroadcastResults,
  previewBroadcast,
  sendBroadcast,
} from '../server/modules/broadcasts/broadcasts.service'

const args = process.argv.slice(2)
const which = args.find((a) => !a.startsWith('--')) ?? 'both'
const opt = (name: string, dflt: number) => Number(args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? dflt)
const CUSTOMERS = opt('customers', 100_000)
const STAFF = opt('staff', 200)
const LATENCY = opt('latency', 30)
const killArg = args.find((a) => a === '--kill' || a.startsWith('--kill='))
const KILLS = killArg ? Number(killArg.split('=')[1] ?? 10) : 0
const SEED = opt('seed', Math.floor(Math.random() * 2 ** 31))
const childArg = args.find((a) => a.startsWith('--child='))?.split('=')[1]
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** mulberry32: the kill points come from --seed, so a run that finds a duplicate can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

type Row = Record<string, string | number>

async function calls(sandbox: SandboxProcess, endpoint: string): Promise<number> {
  const c = await sandbox.api<{ endpoints: Record<string, { calls: number }> }>('GET', '/counters')
  return c.endpoints[endpoint]?.calls ?? 0
}

/**
 * The customers, relations and tag links as a finished sync leaves them, read through batch/get_by_user and written in
 * bulk (the product's sync writes row by row and is benchmarked on its own; here it is only the set-up).
 */
async function mirror(deps: Deps, orgId: number): Promise<void> {
  await syncCorpTags(deps, orgId)
  const db = deps.db
  const tagRef = new Map(
    (await db.selectFrom('tags').select(['id', 'tag_id']).where('org_id', '=', orgId).execute()).map((t) => [t.tag_id, t.id]),
  )
  const client = await deps.wecom.for(orgId)
  const { follow_user: userids } = await client.externalContact.getFollowUserList()
  const now = Date.now()
  const rows: { ext: string; name: string; gender: number; userid: string; createtime: number; tags: string[] }[] = []
  for (let i = 0; i < userids.length; i += 100) {
    for await (const r of client.externalContact.iterateByUser({ userid_list: userids.slice(i, i + 100), limit: 100 })) {
      rows.push({
        ext: r.external_contact.external_userid,
        name: r.external_contact.name,
        gender: r.external_contact.gender ?? 0,
        userid: r.follow_info.userid,
        createtime: r.follow_info.createtime * 1000,
        tags: r.follow_info.tag_id ?? [],
      })
    }
  }
  const customers = new Map<string, (typeof rows)[number]>()
  for (const r of rows) if (!customers.has(r.ext)) customers.set(r.ext, r)
  const list = [...customers.values()]
  for (let i = 0; i < list.length; i += 500) {
    await db
      .insertInto('customers')
      .values(
        list.slice(i, i + 500).map((c) => ({
          org_id: orgId,
          external_userid: c.ext,
          name: c.name,
          gender: c.gender,
          status: 'active' as const,
          first_added_at: c.createtime,
          created_at: now,
          updated_at: now,
        })),
      )
      .execute()
  }
  const ids = new Map(
    (await db.selectFrom('customers').select(['id', 'external_userid']).where('org_id', '=', orgId).execute()).map((r) => [
      r.external_userid,
      r.id,
    ]),
  )
  for (let i = 0; i < rows.length; i += 500) {
    const part = rows.slice(i, i + 500)
    await db
      .insertInto('customer_follows')
      .values(
        part.map((r) => ({
          org_id: orgId,
          customer_id: ids.get(r.ext)!,
          userid: r.userid,
          remark_mobiles: '[]',
          createtime: r.createtime,
          status: 'active' as const,
          updated_at: now,
        })),
      )
      .execute()
    const links = part.flatMap((r) =>
      r.tags.flatMap((t) =>
        tagRef.has(t) ? [{ org_id: orgId, customer_id: ids.get(r.ext)!, tag_ref: tagRef.get(t)!, userid: r.userid, created_at: now }] : [],
      ),
    )
    if (links.length) await db.insertInto('customer_tags').values(links).execute()
  }
}

interface Setup {
  url: string
  drop(): Promise<void>
  clinic: Awaited<ReturnType<typeof setUpClinic>>
  handle: Awaited<ReturnType<typeof connectDb>>
  deps: Deps
  mirrorMs: number
}

function benchDeps(url: string, sandboxUrl: string, handle: Awaited<ReturnType<typeof connectDb>>, instanceId: string): Deps {
  const config = loadConfig({
    NODE_ENV: 'production',
    APP_SECRET_KEY: CLUSTER_SECRET_KEY,
    DATABASE_URL: url,
    WECOM_API_BASE: `${sandboxUrl}/wecom`,
    SANDBOX: '0',
    LOG_LEVEL: 'silent',
  })
  return buildDeps({ config, db: handle.db, dialect: handle.kind, clock: systemClock, log: silentLogger, instanceId })
}

/** A fresh database, the clinic with its staff and CUSTOMERS customers in the sandbox, mirrored into the database. */
async function setUp(kind: 'sqlite' | 'mysql', sandbox: SandboxProcess): Promise<Setup> {
  let url: string
  let drop: () => Promise<void>
  if (kind === 'mysql') {
    const db = await createClusterDatabase('bench_broadcast')
    url = db.url
    drop = db.drop
  } else {
    const dir = mkdtempSync(join(tmpdir(), 'bench-broadcast-'))
    url = `sqlite:${join(dir, 'bench.db')}`
    const h = await connectDb(url)
    await migrateToLatest(h.db)
    await h.close()
    drop = async () => rmSync(dir, { recursive: true, force: true })
  }
  await sandbox.api('DELETE', '/faults')
  // The clinic's contact way takes at most 100 members; the rest join the corp afterwards (the sync picks them up).
  const clinic = await setUpClinic(url, sandbox, Math.min(STAFF, 100))
  if (STAFF > 100) {
    const more = Array.from({ length: STAFF - 100 }, (_, i) => ({
      userid: `staff${String(i + 101).padStart(3, '0')}`,
      name: `员工${i + 101}`,
    }))
    await sandbox.api('POST', `/corps/${clinic.corpid}/members`, { members: more })
  }
  await sandbox.api('POST', `/corps/${clinic.corpid}/tag-change`, {
    change_type: 'create',
    tag_type: 'tag_group',
    group_name: '客户等级',
    tags: ['A级意向', 'B级意向', 'C级意向'],
  })
  await sandbox.api('POST', `/corps/${clinic.corpid}/seed-bulk`, { customers: CUSTOMERS, followers_per_customer: 1, tags_per_relation: 1 })
  const handle = await connectDb(url, { poolSize: 10 })
  const deps = benchDeps(url, sandbox.url, handle, 'bench')
  const mirrorStarted = Date.now()
  await mirror(deps, clinic.orgId)
  return { url, drop, clinic, handle, deps, mirrorMs: Date.now() - mirrorStarted }
}

const BROADCAST = {
  title: '压测群发',
  content: {
    text: '十二月会员日，护理项目八折',
    attachments: [{ msgtype: 'link' as const, link: { title: '活动', url: 'https://example.com/a' } }],
  },
  targets: { kind: 'all' as const },
  scheduledAt: null,
}

async function run(kind: 'sqlite' | 'mysql', sandbox: SandboxProcess): Promise<Row> {
  const { drop, clinic, handle, deps, mirrorMs } = await setUp(kind, sandbox)
  try {
    const tag = await handle.db
      .selectFrom('tags')
      .select('id')
      .where('org_id', '=', clinic.orgId)
      .where('name', '=', 'A级意向')
      .executeTakeFirstOrThrow()
    const filter = { kind: 'filter' as const, filter: { tagIds: [tag.id], tagMode: 'any' as const } }
    const resolveStarted = Date.now()
    const chosen = pickSenders(await findSenderCandidates(handle.db, clinic.orgId, { kind: 'filter', filter: filter.filter }))
    const resolveMs = Date.now() - resolveStarted

    const preview = await previewBroadcast(deps, clinic.orgId, { targets: { kind: 'all' } })
    await sandbox.api('PUT', '/faults', { rules: [{ latencyMs: LATENCY }] })
    const before = await calls(sandbox, 'externalcontact/add_msg_template')
    let peak = process.memoryUsage().rss
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 25)
    const { id } = await createBroadcast(deps, clinic.orgId, null, BROADCAST)
    const sendStarted = Date.now()
    await sendBroadcast(deps, clinic.orgId, id)
    const res = await dispatchBroadcast(deps, clinic.orgId, id)
    const sendMs = Date.now() - sendStarted
    clearInterval(sampler)
    const made = (await calls(sandbox, 'externalcontact/add_msg_template')) - before

    const msgs = await sandbox.api<{ msgid: string }[]>('GET', `/corps/${clinic.corpid}/group-msgs`)
    await sandbox.api('DELETE', '/faults')
    for (const m of msgs) await sandbox.api('POST', `/corps/${clinic.corpid}/group-msgs/confirm`, { msgid: m.msgid })
    await sandbox.api('PUT', '/faults', { rules: [{ latencyMs: LATENCY }] })
    const resultsBefore = await calls(sandbox, 'externalcontact/get_groupmsg_send_result')
    const pollStarted = Date.now()
    await pollBroadcastResults(deps, clinic.orgId, id)
    const pollMs = Date.now() - pollStarted
    const resultCalls = (await calls(sandbox, 'externalcontact/get_groupmsg_send_result')) - resultsBefore
    return {
      dialect: kind,
      targets: preview.recipients,
      senders: preview.senders,
      'Σ⌈nₛ/10000⌉': preview.batches,
      add_msg_template: made,
      batches: res.batches,
      'send→submitted ms': sendMs,
      'peak RSS MB': Math.round(peak / 1024 / 1024),
      'tag filter resolve ms': resolveMs,
      'tag matches': chosen.size,
      'send_result calls': resultCalls,
      'poll ms': pollMs,
      delivered: await countTargets(handle.db, id, 'sent'),
      'mirror ms': mirrorMs,
    }
  } finally {
    await handle.close()
    await drop()
  }
}

async function countTargets(db: Deps['db'], broadcastId: number, status?: string): Promise<number> {
  let q = db
    .selectFrom('broadcast_targets')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('broadcast_id', '=', broadcastId)
  if (status) q = q.where('status', '=', status as 'sent')
  return Number((await q.executeTakeFirstOrThrow()).n)
}

async function countSubmitted(db: Deps['db'], broadcastId: number): Promise<number> {
  const r = await db
    .selectFrom('broadcast_batches')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('broadcast_id', '=', broadcastId)
    .where('status', '=', 'submitted')
    .executeTakeFirstOrThrow()
  return Number(r.n)
}

/**
 * The child side of --kill: what the dispatch job does, in a process of its own. A batch left 'calling' by the
 * killed predecessor is in flight until RECONCILE_GRACE_MS has passed; the child waits, as the queue's backoff would.
 */
async function childDispatch(spec: string): Promise<void> {
  const [url, sandboxUrl, orgId, broadcastId] = spec.split(',').map(decodeURIComponent)
  const handle = await connectDb(url, { poolSize: 4 })
  const deps = benchDeps(url, sandboxUrl, handle, `dispatcher-${process.pid}`)
  process.stdout.write('ready\n')
  // Reported as it goes (a killed child cannot report at the end), from here on: start-up is not dispatch work.
  const base = process.cpuUsage()
  const cpu = () => {
    const u = process.cpuUsage(base)
    process.stdout.write(`cpu ${u.user + u.system}\n`)
  }
  const ticker = setInterval(cpu, 100)
  let waits = 0
  for (;;) {
    try {
      await dispatchBroadcast(deps, Number(orgId), Number(broadcastId))
      break
    } catch (err) {
      if (!(err instanceof BatchInFlightError)) throw err
      if (waits++ === 0) process.stdout.write('waiting\n')
      await pause(1000)
    }
  }
  clearInterval(ticker)
  cpu()
  process.stdout.write('done\n')
  await handle.close()
}

interface Dispatcher {
  child: ChildProcess
  ready: Promise<void>
  exited: Promise<number | null>
  waited: () => boolean
  /** CPU µs the child last reported. */
  cpuUs: () => number
}

function startDispatcher(url: string, sandboxUrl: string, orgId: number, broadcastId: number): Dispatcher {
  const spec = [url, sandboxUrl, String(orgId), String(broadcastId)].map(encodeURIComponent).join(',')
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/broadcast.ts'), `--child=${spec}`], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let waited = false
  let cpuUs = 0
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (b: Buffer) => {
      const text = b.toString()
      if (text.includes('ready')) resolve()
      if (text.includes('waiting')) waited = true
      for (const m of text.matchAll(/cpu (\d+)/g)) cpuUs = Number(m[1])
    })
    void exited.then((code) => reject(new Error(`dispatcher exited with ${code} before it was ready`)))
  })
  ready.catch(() => {})
  return { child, ready, exited, waited: () => waited, cpuUs: () => cpuUs }
}

/**
 * --kill: the send is started here, the dispatch runs in child processes. Each of KILLS children is killed with
 * SIGKILL at a random point (the first after a random delay, so it may fall in the target resolution; the others
 * after a random number of further batches plus a random few ms, so many fall inside an add_msg_template call),
 * and a new one is started; the last runs to the end. Then the sandbox's tasks are checked against the batches.
 */
async function runKill(kind: 'sqlite' | 'mysql', sandbox: SandboxProcess): Promise<Row> {
  const { url, drop, clinic, handle, deps } = await setUp(kind, sandbox)
  const rand = prng(SEED)
  try {
    const preview = await previewBroadcast(deps, clinic.orgId, { targets: { kind: 'all' } })
    await sandbox.api('PUT', '/faults', { rules: [{ latencyMs: LATENCY }] })
    const before = await calls(sandbox, 'externalcontact/add_msg_template')
    const { id } = await createBroadcast(deps, clinic.orgId, null, BROADCAST)
    const started = Date.now()
    await sendBroadcast(deps, clinic.orgId, id)
    let kills = 0
    let restarts = 0
    let inFlightKills = 0
    let graceWaits = 0
    let cpuUs = 0
    for (;;) {
      const d = startDispatcher(url, sandbox.url, clinic.orgId, id)
      let exit: number | null | 'killed' = null
      await d.ready
      if (kills < KILLS) {
        let stop = false
        const finished = d.exited.then(() => (stop = true))
        if (kills === 0) {
          await Promise.race([pause(Math.floor(rand() * 3000)), finished])
        } else {
          const base = await countSubmitted(handle.db, id)
          const share = Math.max(1, Math.floor((preview.batches - base) / (KILLS - kills + 1)))
          const goal = base + 1 + Math.floor(rand() * share)
          while (!stop && (await countSubmitted(handle.db, id)) < goal) await pause(5)
          if (!stop) await Promise.race([pause(Math.floor(rand() * LATENCY * 2)), finished])
        }
        if (!stop) {
          const calling = await handle.db
            .selectFrom('broadcast_batches')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('broadcast_id', '=', id)
            .where('status', '=', 'calling')
            .executeTakeFirstOrThrow()
          d.child.kill('SIGKILL')
          await d.exited
          kills++
          if (Number(calling.n) > 0) inFlightKills++
          exit = 'killed'
        }
      }
      if (exit !== 'killed') exit = await d.exited
      if (d.waited()) graceWaits++
      cpuUs += d.cpuUs()
      if (exit === 'killed') {
        restarts++
        continue
      }
      if (exit !== 0) throw new Error(`dispatcher exited with ${exit}`)
      break
    }
    const ms = Date.now() - started
    const made = (await calls(sandbox, 'externalcontact/add_msg_template')) - before
    const b = await handle.db.selectFrom('broadcasts').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
    const batches = await handle.db.selectFrom('broadcast_batches').selectAll().where('broadcast_id', '=', id).execute()
    const msgs = await sandbox.api<{ msgid: string; tasks: { userid: string; customers: number }[] }[]>(
      'GET',
      `/corps/${clinic.corpid}/group-msgs`,
    )
    const taskCustomers = msgs.reduce((n, m) => n + m.tasks.reduce((k, t) => k + t.customers, 0), 0)
    const msgids = new Set(batches.map((x) => x.msgid))
    // Every task must belong to exactly one batch; then every target must come back delivered once confirmed.
    const orphanTasks = msgs.filter((m) => !msgids.has(m.msgid)).length
    await sandbox.api('DELETE', '/faults')
    for (const m of msgs) await sandbox.api('POST', `/corps/${clinic.corpid}/group-msgs/confirm`, { msgid: m.msgid })
    await pollBroadcastResults(deps, clinic.orgId, id)
    const delivered = await countTargets(handle.db, id, 'sent')
    const targets = await countTargets(handle.db, id)
    return {
      dialect: kind,
      seed: SEED,
      kills,
      'kills with a call open': inFlightKills,
      restarts,
      'grace waits': graceWaits,
      status: b.status,
      targets: preview.recipients,
      'Σ⌈nₛ/10000⌉': preview.batches,
      'sandbox tasks': msgs.length,
      add_msg_template: made,
      'duplicate batches': msgs.length - preview.batches,
      'orphan tasks': orphanTasks,
      reconciled: batches.filter((x) => x.reconciled === 1).length,
      'task customers': taskCustomers,
      'targets lost': preview.recipients - delivered + Math.max(0, preview.recipients - targets),
      'send→submitted ms': ms,
      'dispatcher CPU ms': Math.round(cpuUs / 1000),
      'CPU ms/batch': Number((cpuUs / 1000 / preview.batches).toFixed(1)),
    }
  } finally {
    await handle.close()
    await drop()
  }
}

async function main() {
  if (childArg) return childDispatch(childArg)
  const sandbox = await startSandboxProcess()
  const rows: Row[] = []
  try {
    for (const kind of which === 'both' ? (['sqlite', 'mysql'] as const) : [which as 'sqlite' | 'mysql']) {
      rows.push(await (KILLS > 0 ? runKill(kind, sandbox) : run(kind, sandbox)))
      console.table(rows.slice(-1))
    }
  } finally {
    await sandbox.stop()
  }
  console.table(rows)
}

void main().catch((err) => {
  console.error(err)
  process.exit(1)
})
