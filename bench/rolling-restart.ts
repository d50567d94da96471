// Benchmark: zero-loss rolling restart — nginx in front of two server processes on one MariaDB, scans flowing while each is restarted.
//
//   npx tsx bench/rolling-restart.ts [--rate=200] [--seconds=20] [--worker-instance]
//
// Processes: nginx (loopback, config written to a temp dir, as deploy/nginx/crm.conf proxies callbacks), two
// `tsx server/main.ts` instances sharing a fresh database crm_bench_<random>, the WeCom sandbox (its callbacks go to
// nginx) and the scan driver (bench/callbacks-scan-driver.ts). While scans flow, instance a gets SIGTERM, is started
// again, then instance b. Both instances run queue workers; with --worker-instance they serve HTTP only (WORKERS=0)
// and a third instance, outside nginx, does the work, as deploy/ sets it up. Target: 0 unacknowledged, 0 duplicated.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connectDb } from '../server/db/connect'
import {
  ROOT,
  createClusterDatabase,
  freePort,
  queueDrained,
  settledDeliveries,
  setUpClinic,
  startInstance,
  startSandboxProcess,
  type Instance,
  type InstanceOptions,
} from '../server/testing/cluster'

const args = process.argv.slice(2)
const opt = (name: string, dflt: number) => Number(args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? dflt)
const RATE = opt('rate', 200)
const SECONDS = opt('seconds', 20)
const WORKER_INSTANCE = args.includes('--worker-instance')
const started = Date.now()
const note = (msg: string) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${msg}\n`)
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms))

function nginxBinary(): string | null {
  for (const bin of ['nginx', '/usr/sbin/nginx']) if (!spawnSync(bin, ['-v']).error) return bin
  return null
}

/** The callback location of deploy/nginx/crm.conf, on loopback without TLS. */
function nginxConf(dir: string, port: number, upstreams: number[]): string {
  return `
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream crm_app {
${upstreams.map((p) => `    server 127.0.0.1:${p} max_fails=0;`).join('\n')}
    keepalive 32;
    keepalive_timeout 4s;
  }
  server {
    listen 127.0.0.1:${port};
    client_max_body_size 1m;
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_set_header Host $host;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    proxy_set_header X-Forwarded-Proto $scheme;
    proxy_connect_timeout 1s;
    location /api/wework/callback/ {
      client_max_body_size 64k;
      proxy_request_buffering off;
      proxy_buffering off;
      proxy_next_upstream error timeout non_idempotent;
      proxy_next_upstream_tries 2;
      proxy_read_timeout 4s;
      proxy_pass http://crm_app;
    }
    location / { proxy_pass http://crm_app; }
  }
}
`
}

async function main() {
  const nginx = nginxBinary()
  if (!nginx) {
    console.error('nginx is not installed: this bench runs it in front of the two instances (Debian: apt-get install -y nginx).')
    process.exit(1)
  }
  const workDir = mkdtempSync(join(tmpdir(), 'bench-rolling-'))
  const db = await createClusterDatabase('crm_bench')
  note(`database ${db.name}`)
  const sandbox = await startSandboxProcess()
  let nginxChild: ChildProcess | null = null
  const instances: Instance[] = []
  let worker: Instance | null = null
  try {
    const clinic = await setUpClinic(db.url, sandbox)
    const [nginxPort, portA, portB] = [await freePort(), await freePort(), await freePort()]
    const front = `http://127.0.0.1:${nginxPort}`
    writeFileSync(join(workDir, 'nginx.conf'), nginxConf(workDir, nginxPort, [portA, portB]))
    nginxChild = spawn(nginx, ['-p', workDir, '-e', join(workDir, 'error.log'), '-c', join(workDir, 'nginx.conf'), '-g', 'daemon off;'], {
      stdio: ['ignore', 'inherit', 'inherit'],
    })

    const base = {
      databaseUrl: db.url,
      sandboxUrl: sandbox.url,
      publicBaseUrl: front,
      env: { QUEUE_CONCURRENCY: '32', WORKERS: WORKER_INSTANCE ? '0' : '1' },
    }
    const optsOf = (name: string, port: number): InstanceOptions => ({ ...base, name, port })
    instances.push(await startInstance(optsOf('a', portA)), await startInstance(optsOf('b', portB)))
    if (WORKER_INSTANCE) worker = await startInstance({ ...base, name: 'worker', env: { QUEUE_CONCURRENCY: '64', WORKERS: '1' } })
    await clinic.pointCallbacksAt(front)
    note(`nginx :${nginxPort} → a :${portA}, b :${portB}${worker ? `; worker :${worker.port}` : ''}`)

    const driver = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(ROOT, 'bench/callbacks-scan-driver.ts'),
        sandbox.url,
        clinic.corpid,
        clinic.configId,
        String(RATE),
        String(SECONDS),
      ],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    )
    let out = ''
    driver.stdout!.on('data', (b: Buffer) => (out += b.toString()))
    const driven = new Promise<number | null>((resolve) => driver.once('close', resolve))

    // The rolling restart, while the driver scans: a down and up, then b down and up.
    const restarts: { name: string; exit: number | null; downMs: number }[] = []
    await pause(Math.min(3000, (SECONDS * 1000) / 6))
    for (const [i, name] of ['a', 'b'].entries()) {
      const t0 = Date.now()
      note(`SIGTERM ${name}`)
      const exit = await instances[i].stop()
      instances[i] = await startInstance(optsOf(name, [portA, portB][i]))
      restarts.push({ name, exit, downMs: Date.now() - t0 })
      note(`${name} back after ${Date.now() - t0} ms (exit code ${exit})`)
      await pause(1000)
    }
    if ((await driven) !== 0) throw new Error('scan driver failed')
    const { sent, scans } = JSON.parse(out) as { sent: number; scans: [string, number][] }
    note(`${sent} scans sent; waiting for deliveries and the queue`)

    const deliveries = await settledDeliveries(sandbox, clinic.corpid, 60_000)
    const drained = await queueDrained(db.url, 120_000)
    const handle = await connectDb(db.url, { poolSize: 2 })
    const scanned = new Set(scans.map(([ext]) => ext))
    const repeats = (xs: (string | null)[]) => {
      const counts = new Map<string, number>()
      for (const x of xs) if (x && scanned.has(x)) counts.set(x, (counts.get(x) ?? 0) + 1)
      return { distinct: counts.size, repeated: [...counts.values()].filter((n) => n > 1).length }
    }
    try {
      const customers = repeats(
        (await handle.db.selectFrom('customers').select('external_userid').where('org_id', '=', clinic.orgId).execute()).map(
          (r) => r.external_userid,
        ),
      )
      const events = repeats(
        (await handle.db.selectFrom('callback_events').select('external_userid').where('org_id', '=', clinic.orgId).execute()).map(
          (r) => r.external_userid,
        ),
      )
      const welcomeRows = await handle.db
        .selectFrom('welcome_sends')
        .select(['customer_external_userid', 'status'])
        .where('org_id', '=', clinic.orgId)
        .execute()
      const welcomes = repeats(welcomeRows.map((r) => r.customer_external_userid))
      const sentLog = repeats(
        (await sandbox.api<{ items: { external_userid: string }[] }>('GET', `/logs/welcome?corpid=${clinic.corpid}&limit=20000`)).items.map(
          (w) => w.external_userid,
        ),
      )
      const statuses: Record<string, number> = {}
      for (const w of welcomeRows) statuses[w.status] = (statuses[w.status] ?? 0) + 1
      const acked = deliveries.filter((d) => d.status === 'delivered')
      const retried = acked.filter((d) => d.attempts.length > 1).length
      const failedTries = deliveries.flatMap((d) => d.attempts.filter((a) => a.status !== 200 || a.error))
      const why: Record<string, number> = {}
      for (const a of failedTries) why[a.error ?? `HTTP ${a.status}`] = (why[a.error ?? `HTTP ${a.status}`] ?? 0) + 1
      const duplicated = customers.repeated + events.repeated + welcomes.repeated + sentLog.repeated
      const unacked = deliveries.length - acked.length

      console.log(
        `\nRolling restart — nginx + 2 instances${worker ? ' (HTTP only) + 1 worker instance' : ' (with workers)'} on MariaDB, ${RATE} scans/s for ${SECONDS} s\n`,
      )
      console.log(`| figure | value |\n|---|---|`)
      const rows: [string, string | number][] = [
        ['scans sent', sent],
        ['callbacks sent (sandbox deliveries)', deliveries.length],
        ['acknowledged', acked.length],
        ['  of which after a retry', retried],
        ['unacknowledged (3 tries failed or still pending)', unacked],
        ['failed tries by cause', JSON.stringify(why)],
        ['callback events stored', events.distinct],
        ['customers created', customers.distinct],
        ['welcome rows / sent at the sandbox', `${welcomes.distinct} / ${sentLog.distinct} ${JSON.stringify(statuses)}`],
        [
          'duplicates (customers, events, welcome rows, welcomes sent)',
          `${customers.repeated}, ${events.repeated}, ${welcomes.repeated}, ${sentLog.repeated}`,
        ],
        ['queue drained', drained ? 'yes' : 'no (timed out)'],
        ['restarts (exit code, down → ready ms)', restarts.map((r) => `${r.name}: ${r.exit}, ${r.downMs}`).join('; ')],
      ]
      for (const [k, v] of rows) console.log(`| ${k} | ${v} |`)
      console.log(
        `\n${unacked === 0 && duplicated === 0 && customers.distinct === sent ? 'PASS' : 'FAIL'}: ${unacked} unacknowledged, ${duplicated} duplicated, ${sent - customers.distinct} customers missing (target 0, 0, 0)`,
      )
    } finally {
      await handle.close()
    }
  } finally {
    await Promise.all([...instances, ...(worker ? [worker] : [])].map((i) => i.stop()))
    nginxChild?.kill('SIGQUIT')
    if (process.env.BENCH_DEBUG)
      console.error(
        readFileSync(join(workDir, 'error.log'), 'utf8')
          .split('\n')
          .map((l) =>
            l
              .replace(/^.*\] \d+#\d+: \*\d+ /, '')
              .replace(/, client.*upstream: /, ' → ')
              .replace(/\/api\/wework.*/, ''),
          )
          .join('\n'),
      )
    await sandbox.stop()
    await db.drop()
    rmSync(workDir, { recursive: true, force: true })
  }
}

await main()
