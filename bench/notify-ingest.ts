// Benchmark: 10 000 call_result events posted through the signed ingest route (1 000 per request); prints accepted events/s and server CPU per event.
//
//   npx tsx bench/notify-ingest.ts [sqlite|mysql|both] [--events=10000] [--concurrency=2]
//
// The server runs in this process (createApp on a random port); the load is plain fetch calls, so the CPU figure is
// this process's (route + validation + storage + queue insert + the client's JSON building) divided by the events.
import { mkdtempSync, rmSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createApp } from '../server/app'
import { connectDb, type DbHandle, type DialectKind } from '../server/db/connect'
import { migrateToLatest } from '../server/db/migrate'
import { createApiKey } from '../server/modules/api-keys/api-keys.service'
import { signIngest } from '../server/modules/ingest/ingest.service'
import { INGEST_EVENTS_PATH } from '../server/modules/ingest/ingest-openapi'
import { systemClock } from '../server/lib/clock'
import { createOrgWithUser, createTestDeps } from '../server/testing/deps'

const args = process.argv.slice(2)
const which = args.find((a) => !a.startsWith('--')) ?? 'both'
const opt = (name: string, dflt: number) => Number(args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? dflt)
const EVENTS = opt('events', 10_000)
const CONCURRENCY = opt('concurrency', 2)
const PER_REQUEST = 1000
const MYSQL_URL = (process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306').replace(/\/$/, '')

async function openDb(kind: DialectKind): Promise<{ handle: DbHandle; drop: () => Promise<void> }> {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'bench-ingest-'))
    const handle = await connectDb(`sqlite:${join(dir, 'bench.db')}`)
    return { handle, drop: async () => rmSync(dir, { recursive: true, force: true }) }
  }
  const name = `bench_ingest_${process.pid}`
  const mysql = await import('mysql2/promise')
  const admin = await mysql.createConnection({ uri: MYSQL_URL })
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`)
  await admin.end()
  const handle = await connectDb(`${MYSQL_URL}/${name}`)
  return {
    handle,
    drop: async () => {
      const c = await mysql.createConnection({ uri: MYSQL_URL })
      await c.query(`DROP DATABASE IF EXISTS \`${name}\``)
      await c.end()
    },
  }
}

function batch(from: number, n: number): string {
  const events = Array.from({ length: n }, (_, k) => {
    const i = from + k
    return {
      type: 'call_result',
      idempotency_key: `bench-${i}`,
      call_id: `c${i}`,
      batch_id: 'bench',
      line_id: `L-0${i % 3}`,
      phone: `139${String(i).padStart(8, '0')}`,
      customer_name: '王女士',
      script_template_id: 'T1',
      intention_level: 'ABCDE'[i % 5],
      result_class: 'ABCDE'[i % 5],
      called_at: '2026-12-01T09:30:00+08:00',
      detail_url: `https://call.example.com/calls/${i}`,
    }
  })
  return JSON.stringify({ events })
}

async function run(kind: DialectKind) {
  const { handle, drop } = await openDb(kind)
  try {
    await migrateToLatest(handle.db)
    const deps = createTestDeps(handle, { clock: systemClock as never })
    const { orgId } = await createOrgWithUser(deps)
    const key = await createApiKey(deps, orgId, { name: 'bench' })
    const server = createApp({ deps }).listen(0, '127.0.0.1')
    await new Promise((r) => server.once('listening', r))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${INGEST_EVENTS_PATH}`
    const bodies = Array.from({ length: Math.ceil(EVENTS / PER_REQUEST) }, (_, r) =>
      batch(r * PER_REQUEST, Math.min(PER_REQUEST, EVENTS - r * PER_REQUEST)),
    )
    let next = 0
    let accepted = 0
    const cpu0 = process.cpuUsage()
    const t0 = performance.now()
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < bodies.length) {
          const body = bodies[next++]
          const ts = String(Math.floor(Date.now() / 1000))
          const res = await fetch(url, {
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
    const ms = performance.now() - t0
    const cpu = process.cpuUsage(cpu0)
    await new Promise((r) => server.close(r))
    const stored = Number(
      (
        await handle.db
          .selectFrom('ingest_events')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    )
    // Events are queued in notify.events jobs of up to 100: count the jobs and the events they carry.
    const queued = await handle.db.selectFrom('queue_jobs').select('payload').where('kind', '=', 'notify.events').execute()
    const jobs = queued.length
    const queuedEvents = queued.reduce((n, j) => n + (JSON.parse(j.payload) as { events: unknown[] }).events.length, 0)
    return {
      kind,
      accepted,
      stored,
      jobs,
      queuedEvents,
      ms,
      perSec: (accepted / ms) * 1000,
      cpuMsPerEvent: (cpu.user + cpu.system) / 1000 / accepted,
    }
  } finally {
    await handle.close()
    await drop()
  }
}

const kinds: DialectKind[] = which === 'both' ? ['sqlite', 'mysql'] : [which as DialectKind]
const rows = []
for (const k of kinds) rows.push(await run(k))
console.log(`\n${EVENTS} call_result events, ${PER_REQUEST} per request, ${CONCURRENCY} requests in flight\n`)
console.log('| db | accepted | rows | queued events (jobs) | wall s | accepted events/s | CPU ms / event |')
console.log('|---|---|---|---|---|---|---|')
for (const r of rows) {
  console.log(
    `| ${r.kind} | ${r.accepted} | ${r.stored} | ${r.queuedEvents} (${r.jobs}) | ${(r.ms / 1000).toFixed(2)} | ${Math.round(r.perSec)} | ${r.cpuMsPerEvent.toFixed(3)} |`,
  )
}
