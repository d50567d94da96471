// Benchmark: dashboard.overview (every 概览 panel in one read) on an org with 100 000 customers per dialect; prints wall and CPU per call.
//
//   npx tsx bench/dashboard.ts [sqlite|mysql|both] [--customers=100000] [--runs=7] [--profile]
//
// --profile also times each aggregate query of the 30-day overview on its own.
//
// Rows are inserted directly (no sandbox): the aggregates only read tables. MySQL uses TEST_MYSQL_URL (default
// mysql://root@127.0.0.1:3306) and a throwaway database it drops afterwards.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connectDb, type DbHandle, type DialectKind } from '../server/db/connect'
import { migrateToLatest } from '../server/db/migrate'
import { insertedId } from '../server/db/dialect'
import type { Deps } from '../server/deps'
import { ManualClock } from '../server/lib/clock'
import { dashboardRange, getDashboard, RANKING_SIZE } from '../server/modules/dashboard/dashboard.service'
import * as repo from '../server/modules/dashboard/dashboard.repository'

const args = process.argv.slice(2)
const which = args.find((a) => !a.startsWith('--')) ?? 'both'
const opt = (name: string, dflt: number) => Number(args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? dflt)
const CUSTOMERS = opt('customers', 100_000)
const RUNS = opt('runs', 7)
const PROFILE = args.includes('--profile')
const MYSQL_URL = (process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306').replace(/\/$/, '')
const DAY = 86_400_000
const NOW = Date.UTC(2026, 11, 1, 4, 0, 0)
const STAFF = Array.from({ length: 20 }, (_, i) => `staff${String(i + 1).padStart(2, '0')}`)
const WAYS = ['小红书', '抖音', '朋友圈', '百度', '线下门店', '美团', '大众点评', '老带新']
const BATCH = 500

async function openDb(kind: DialectKind): Promise<{ handle: DbHandle; drop: () => Promise<void> }> {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'bench-dashboard-'))
    const handle = await connectDb(`sqlite:${join(dir, 'bench.db')}`)
    return { handle, drop: async () => rmSync(dir, { recursive: true, force: true }) }
  }
  const name = `bench_dashboard_${process.pid}`
  const mysql = await import('mysql2/promise')
  const admin = await mysql.createConnection({ uri: MYSQL_URL })
  await admin.query(`DROP DATABASE IF EXISTS \`${name}\``)
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

/** A deterministic PRNG, so both dialects get the same rows. */
function prng(seed: number) {
  let s = seed >>> 0
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0
    return s / 2 ** 32
  }
}

async function seed(handle: DbHandle, orgId: number): Promise<void> {
  const db = handle.db
  const rand = prng(42)
  await db
    .insertInto('wecom_staff')
    .values(STAFF.map((userid, i) => ({ org_id: orgId, userid, name: `员工${i + 1}`, status: 'active' as const, synced_at: NOW })))
    .execute()
  const wayIds: number[] = []
  for (const [i, channel_name] of WAYS.entries()) {
    const r = await db
      .insertInto('contact_ways')
      .values({
        org_id: orgId,
        config_id: `cfg_${i}`,
        type: 2,
        scene: 2,
        state: `way${i}`,
        channel_name,
        user_ids: '[]',
        party_ids: '[]',
        tag_ids: '[]',
        created_at: NOW - 200 * DAY,
        updated_at: NOW,
      })
      .executeTakeFirstOrThrow()
    wayIds.push(insertedId(r))
  }
  let eventSeq = 0
  for (let start = 0; start < CUSTOMERS; start += BATCH) {
    const n = Math.min(BATCH, CUSTOMERS - start)
    // A year of customers, a busier recent quarter.
    const drafts = Array.from({ length: n }, (_, k) => {
      const ago = rand() < 0.4 ? rand() * 90 * DAY : rand() * 365 * DAY
      const added = NOW - Math.floor(ago)
      const end = rand()
      return {
        ext: `wm_bench_${start + k}`,
        added,
        way: rand() < 0.85 ? wayIds[Math.floor(rand() * wayIds.length)]! : null,
        userid: STAFF[Math.floor(rand() * STAFF.length)]!,
        status: end < 0.08 ? ('lost' as const) : end < 0.12 ? ('deleted' as const) : ('active' as const),
        endAt: added + Math.floor(rand() * Math.max(1, NOW - added)),
        welcome: rand(),
      }
    })
    await db
      .insertInto('customers')
      .values(
        drafts.map((d) => ({
          org_id: orgId,
          external_userid: d.ext,
          name: '客户',
          contact_way_id: d.way,
          status: d.status === 'active' ? ('active' as const) : ('lost' as const),
          first_added_at: d.added,
          created_at: d.added,
          updated_at: d.added,
        })),
      )
      .execute()
    const ids = await db
      .selectFrom('customers')
      .select(['id', 'external_userid'])
      .where('org_id', '=', orgId)
      .where(
        'external_userid',
        'in',
        drafts.map((d) => d.ext),
      )
      .execute()
    const idOf = new Map(ids.map((r) => [r.external_userid, r.id]))
    await db
      .insertInto('customer_follows')
      .values(
        drafts.map((d) => ({
          org_id: orgId,
          customer_id: idOf.get(d.ext)!,
          userid: d.userid,
          remark_mobiles: '[]',
          contact_way_id: d.way,
          createtime: d.added,
          status: d.status,
          lost_at: d.status === 'lost' ? d.endAt : null,
          deleted_at: d.status === 'deleted' ? d.endAt : null,
          updated_at: d.added,
        })),
      )
      .execute()
    const welcomes = drafts.filter((d) => d.way !== null)
    await db
      .insertInto('welcome_sends')
      .values(
        welcomes.map((d) => ({
          org_id: orgId,
          callback_event_id: ++eventSeq,
          customer_external_userid: d.ext,
          userid: d.userid,
          contact_way_id: d.way,
          status: d.welcome < 0.85 ? ('sent' as const) : d.welcome < 0.93 ? ('expired' as const) : ('failed' as const),
          created_at: d.added,
          updated_at: d.added,
        })),
      )
      .execute()
  }
  // Callback events for the last 30 days (one per recent add is too many rows to matter here: a few thousand do).
  for (let start = 0; start < 5000; start += BATCH) {
    await db
      .insertInto('callback_events')
      .values(
        Array.from({ length: BATCH }, (_, k) => ({
          org_id: orgId,
          source: 'wecom' as const,
          dedupe_key: `bench_${start + k}`,
          msg_type: 'event',
          event: 'change_external_contact',
          change_type: 'add_external_contact',
          plaintext: '<xml/>',
          create_time: NOW - (start + k) * 500_000,
          received_at: NOW - (start + k) * 500_000,
          status: (start + k) % 97 === 0 ? ('failed' as const) : ('processed' as const),
        })),
      )
      .execute()
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

async function run(kind: DialectKind): Promise<void> {
  const { handle, drop } = await openDb(kind)
  try {
    await migrateToLatest(handle.db)
    const orgId = insertedId(
      await handle.db
        .insertInto('orgs')
        .values({ name: '基准机构', slug: 'bench', status: 'active', created_at: NOW, updated_at: NOW })
        .executeTakeFirstOrThrow(),
    )
    const t0 = performance.now()
    await seed(handle, orgId)
    console.log(`${kind}: seeded ${CUSTOMERS} customers in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
    const deps = { db: handle.db, clock: new ManualClock(NOW) } as unknown as Deps
    for (const days of [30, 90] as const) {
      await getDashboard(deps, orgId, { days }) // warm caches and the statement cache
      const wall: number[] = []
      const cpu: number[] = []
      let check = 0
      for (let i = 0; i < RUNS; i++) {
        const c0 = process.cpuUsage()
        const w0 = performance.now()
        const o = await getDashboard(deps, orgId, { days })
        wall.push(performance.now() - w0)
        const c = process.cpuUsage(c0)
        cpu.push((c.user + c.system) / 1000)
        check = o.totals.added
      }
      console.log(
        `${kind.padEnd(6)} overview days=${String(days).padEnd(2)}  wall median ${median(wall).toFixed(1)} ms (max ${Math.max(...wall).toFixed(1)})  ` +
          `node CPU median ${median(cpu).toFixed(1)} ms/op  [${check} added in window]`,
      )
    }
    if (PROFILE) {
      const r = dashboardRange(NOW, 30)
      const db = handle.db
      const queries: Record<string, () => Promise<unknown>> = {
        countNewCustomersByDay: () => repo.countNewCustomersByDay(db, orgId, r),
        countEndedByDay: () => repo.countEndedByDay(db, orgId, r),
        rankChannels: () => repo.rankChannels(db, orgId, r, RANKING_SIZE),
        countAddsByStaff: () => repo.countAddsByStaff(db, orgId, r),
        countEndedByStaff: () => repo.countEndedByStaff(db, orgId, r),
        countWelcomesByStaff: () => repo.countWelcomesByStaff(db, orgId, r),
        callbackStats: () => repo.callbackStats(db, orgId, r),
        queueStats: () => repo.queueStats(db, orgId),
        findLastSync: () => repo.findLastSync(db, orgId),
      }
      for (const [name, q] of Object.entries(queries)) {
        const wall: number[] = []
        for (let i = 0; i < RUNS; i++) {
          const w0 = performance.now()
          await q()
          wall.push(performance.now() - w0)
        }
        console.log(`${kind.padEnd(6)}   ${name.padEnd(24)} wall median ${median(wall).toFixed(1)} ms`)
      }
    }
  } finally {
    await handle.close()
    await drop()
  }
}

for (const kind of which === 'both' ? (['sqlite', 'mysql'] as const) : [which as DialectKind]) await run(kind)
