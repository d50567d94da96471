// Benchmark: customers.list (count + page + batch loads) on 100 000 customers per dialect, seeded through the sandbox; prints
// p50/p95 and CPU per call for every filter combination, and the worst.
//
//   npx tsx bench/customers-list.ts [sqlite|mysql|both] [--customers=100000] [--runs=20] [--explain] [--keep]
//
// CPU per call is this process's (user + system): on SQLite that is the whole query, on MySQL the client side only.
//
// MySQL uses TEST_MYSQL_URL (default mysql://root@127.0.0.1:3306) and a throwaway database it drops afterwards
// (--keep leaves the seeded database or SQLite file for manual EXPLAINs and prints where it is).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CompiledQuery, sql } from 'kysely'
import { connectDb, type DbHandle, type DialectKind } from '../server/db/connect'
import { migrateToLatest } from '../server/db/migrate'
import type { Deps } from '../server/deps'
import { ManualClock } from '../server/lib/clock'
import { createSandbox } from '../server/sandbox/index'
import type { CorpTagGroup } from '../server/platform/wecom/tag.types'
import {
  chooseForm,
  customerPageQuery,
  DRIVE_MAX,
  filteredCustomers,
  MYSQL_FORM,
  semiJoinSizes,
} from '../server/modules/customers/customers.repository'
import { getCustomer, listChannels, listCustomers } from '../server/modules/customers/customers.service'
import { listLostCustomers } from '../server/modules/lost-customers/lost-customers.service'
import { lostListInput } from '../shared/schemas/lost-customer'
import { mirrorCorpTags } from '../server/modules/tags/tags.service'
import { customerListInput, type CustomerListInput } from '../shared/schemas/customer'

const args = process.argv.slice(2)
const which = args.find((a) => !a.startsWith('--')) ?? 'both'
const opt = (name: string, dflt: number) => Number(args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? dflt)
const CUSTOMERS = opt('customers', 100_000)
const RUNS = opt('runs', 20)
const EXPLAIN = args.includes('--explain')
const KEEP = args.includes('--keep')
const MYSQL_URL = (process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306').replace(/\/$/, '')
const STAFF = Array.from({ length: 10 }, (_, i) => `staff${String(i + 1).padStart(2, '0')}`)
const STATES = ['xiaohongshu', 'douyin', 'pengyouquan', 'baidu', 'offline']
const CHANNEL_NAMES = ['小红书', '抖音', '朋友圈', '百度', '线下']

async function openDb(kind: DialectKind): Promise<{ handle: DbHandle; drop: () => Promise<void> }> {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'bench-customers-'))
    const handle = await connectDb(`sqlite:${join(dir, 'bench.db')}`)
    return {
      handle,
      drop: async () => (KEEP ? console.log(`kept ${join(dir, 'bench.db')}`) : rmSync(dir, { recursive: true, force: true })),
    }
  }
  const name = `bench_customers_${process.pid}`
  const mysql = await import('mysql2/promise')
  const admin = await mysql.createConnection({ uri: MYSQL_URL })
  await admin.query(`DROP DATABASE IF EXISTS \`${name}\``)
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`)
  await admin.end()
  const handle = await connectDb(`${MYSQL_URL}/${name}`)
  return {
    handle,
    drop: async () => {
      if (KEEP) return console.log(`kept database ${name}`)
      const c = await mysql.createConnection({ uri: MYSQL_URL })
      await c.query(`DROP DATABASE IF EXISTS \`${name}\``)
      await c.end()
    },
  }
}

/** The sandbox generates the world (customers, relations, corp tags on relations); rows are then bulk-inserted as the sync would leave them. */
async function seed(deps: Deps, orgId: number) {
  const db = deps.db
  const sandbox = createSandbox({ publicBaseUrl: 'http://bench.invalid', seed: 'none', clock: deps.clock })
  const corp = sandbox.control.createCorp({ name: '压测诊所', members: STAFF.map((userid, i) => ({ userid, name: `员工${i + 1}` })) })
  for (const [group_name, tags] of [
    ['客户等级', ['A级意向', 'B级意向', 'C级意向']],
    ['意向项目', ['玻尿酸', '热玛吉', '光子嫩肤', '水光针', '皮秒祛斑']],
    ['来源渠道', ['小红书', '抖音', '朋友圈', '百度', '线下']],
  ] as const) {
    await sandbox.control.tagChange(corp.corpid, { change_type: 'create', tag_type: 'tag_group', group_name, tags: [...tags] })
  }
  // 70 % of customers with one staff member and 2 tags, 30 % with two staff members and 3 tags per relation.
  const single = Math.round(CUSTOMERS * 0.7)
  sandbox.control.seedBulk(corp.corpid, {
    customers: single,
    followers_per_customer: 1,
    tags_per_relation: 2,
    span_days: 365,
    states: STATES,
  })
  sandbox.control.seedBulk(corp.corpid, {
    customers: CUSTOMERS - single,
    followers_per_customer: 2,
    tags_per_relation: 3,
    span_days: 365,
    states: STATES,
  })

  const now = deps.clock.now()
  const groups: CorpTagGroup[] = sandbox.control.getCorp(corp.corpid).tag_groups.map((g) => ({
    group_id: g.group_id,
    group_name: g.group_name,
    create_time: 0,
    order: g.order,
    tag: g.tags.map((t) => ({ id: t.id, name: t.name, create_time: 0, order: t.order })),
  }))
  await mirrorCorpTags(deps, orgId, groups)
  const tagRef = new Map(
    (await db.selectFrom('tags').select(['id', 'tag_id']).where('org_id', '=', orgId).execute()).map((t) => [t.tag_id as string, t.id]),
  )
  await db
    .insertInto('wecom_staff')
    .values(STAFF.map((userid, i) => ({ org_id: orgId, userid, name: `员工${i + 1}`, status: 'active', synced_at: now })))
    .execute()
  await db
    .insertInto('contact_ways')
    .values(
      STATES.map((state, i) => ({
        org_id: orgId,
        type: 2,
        scene: 2,
        state,
        channel_name: CHANNEL_NAMES[i],
        user_ids: '[]',
        party_ids: '[]',
        tag_ids: '[]',
        created_at: now,
        updated_at: now,
      })),
    )
    .execute()

  const state = sandbox.state.corps.get(corp.corpid)!
  const all = [...state.customers.values()]
  const lostEvery = 12
  for (let i = 0; i < all.length; i += 1000) {
    await db
      .insertInto('customers')
      .values(
        all.slice(i, i + 1000).map((c, k) => {
          const f = state.followsByCustomer.get(c.external_userid)![0]
          return {
            org_id: orgId,
            external_userid: c.external_userid,
            name: c.name,
            avatar: c.avatar,
            type: c.type,
            gender: c.gender,
            channel_state: f.state,
            status: (i + k) % lostEvery === 0 ? ('lost' as const) : ('active' as const),
            first_added_at: f.createtime * 1000,
            created_at: now,
            updated_at: now,
          }
        }),
      )
      .execute()
  }
  const idOf = new Map(
    (await db.selectFrom('customers').select(['id', 'external_userid']).where('org_id', '=', orgId).execute()).map((r) => [
      r.external_userid,
      r.id,
    ]),
  )
  let follows: object[] = []
  let links: object[] = []
  const flush = async (force = false) => {
    if (follows.length >= 1000 || (force && follows.length)) {
      await db
        .insertInto('customer_follows')
        .values(follows as never)
        .execute()
      follows = []
    }
    if (links.length >= 2000 || (force && links.length)) {
      await db
        .insertInto('customer_tags')
        .values(links as never)
        .execute()
      links = []
    }
  }
  let n = 0
  for (const c of all) {
    const customerId = idOf.get(c.external_userid)!
    const lost = n++ % lostEvery === 0
    for (const f of state.followsByCustomer.get(c.external_userid)!) {
      follows.push({
        org_id: orgId,
        customer_id: customerId,
        userid: f.userid,
        // One relation in seven carries a remark, as staff write them.
        remark: n % 7 === 0 ? `${c.name}·${CHANNEL_NAMES[n % 5]}` : '',
        description: '',
        remark_mobiles: '[]',
        add_way: f.add_way,
        state: f.state,
        oper_userid: f.oper_userid,
        createtime: f.createtime * 1000,
        status: lost ? 'lost' : 'active',
        lost_at: lost ? f.createtime * 1000 + 86_400_000 : null,
        updated_at: now,
      })
      for (const t of f.tags)
        links.push({ org_id: orgId, customer_id: customerId, tag_ref: tagRef.get(t)!, userid: f.userid, created_at: now })
      await flush()
    }
  }
  await flush(true)
  await sandbox.close()
  // Tag names are distinct across the three groups, so a name identifies the local tag.
  const byName = new Map(
    (await db.selectFrom('tags').select(['id', 'name']).where('org_id', '=', orgId).execute()).map((t) => [t.name, t.id]),
  )
  return { tagRef: (name: string) => byName.get(name)! }
}

async function explain(deps: Deps, kind: DialectKind, orgId: number, input: CustomerListInput) {
  const { page, pageSize, sortBy, sortOrder, ...filter } = input
  // The form the list reads matches with: chosen from the semi-join sizes on SQLite, fixed on MariaDB.
  const form = kind === 'sqlite' ? chooseForm(await semiJoinSizes(deps.db, orgId, filter, DRIVE_MAX + 1)) : MYSQL_FORM
  const queries = {
    count: filteredCustomers(deps.db, orgId, filter, form).select('c.id').limit(10_001).compile(),
    [`page (${JSON.stringify(form)})`]: customerPageQuery(deps.db, orgId, filter, { page, pageSize, sortBy, sortOrder }, form).compile(),
  }
  for (const [name, q] of Object.entries(queries)) {
    const prefix = kind === 'sqlite' ? 'EXPLAIN QUERY PLAN ' : 'EXPLAIN '
    const r = await deps.db.executeQuery(CompiledQuery.raw(prefix + q.sql, [...q.parameters]))
    console.log(`    ${name}:`)
    for (const row of r.rows as Record<string, unknown>[]) {
      console.log(
        '      ' +
          (kind === 'sqlite' ? String(row.detail) : ['table', 'type', 'key', 'rows', 'Extra'].map((k) => `${k}=${row[k] ?? ''}`).join(' ')),
      )
    }
  }
}

/** Nearest-rank percentile. */
function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]
}

/** Runs `fn` once to warm up, then RUNS times: wall times and CPU (µs per call) of the counted runs. */
async function measure(fn: () => Promise<unknown>): Promise<{ times: number[]; cpuUs: number }> {
  await fn()
  const times: number[] = []
  const cpu0 = process.cpuUsage()
  for (let r = 0; r < RUNS; r++) {
    const s = performance.now()
    await fn()
    times.push(performance.now() - s)
  }
  const cpu = process.cpuUsage(cpu0)
  return { times, cpuUs: (cpu.user + cpu.system) / RUNS }
}

async function runDialect(kind: DialectKind) {
  const { handle, drop } = await openDb(kind)
  try {
    await migrateToLatest(handle.db)
    const clock = new ManualClock(Date.UTC(2026, 10, 21, 1, 0, 0))
    const deps = { db: handle.db, dialect: kind, clock } as unknown as Deps
    const orgId = Number(
      (
        await handle.db
          .insertInto('orgs')
          .values({ name: '压测机构', slug: 'bench', status: 'active', created_at: clock.now(), updated_at: clock.now() })
          .executeTakeFirstOrThrow()
      ).insertId,
    )
    const t0 = performance.now()
    const { tagRef } = await seed(deps, orgId)
    const counts = await Promise.all(
      (['customers', 'customer_follows', 'customer_tags'] as const).map(async (t) => {
        const r = await handle.db
          .selectFrom(t)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
        return `${t} ${Number(r.n)}`
      }),
    )
    // Steady state, not the minutes after a bulk load: fresh InnoDB statistics. SQLite is left without ANALYZE, as the app runs it.
    if (kind === 'mysql') await sql`analyze table customers, customer_follows, customer_tags, tags, tag_groups`.execute(handle.db)
    console.log(`\n${kind}: seeded ${counts.join(', ')} in ${((performance.now() - t0) / 1000).toFixed(1)} s`)

    const day = 86_400_000
    const now = clock.now()
    const scenarios: [string, Partial<CustomerListInput>][] = [
      ['no filter, newest first, page 1', {}],
      ['no filter, page 500 (offset 9 980)', { page: 500 }],
      ['no filter, page 5000 (offset 99 980)', { page: 5000 }],
      ['sort by name asc, page 1', { sortBy: 'name', sortOrder: 'asc' }],
      ['status active + channel douyin', { status: 'active', channel: 'douyin' }],
      ['gender 1 (20 %)', { gender: 1 }],
      ['added in the last 7 days', { addedFrom: now - 7 * day, addedTo: now }],
      ['q = 王 (name or remark)', { q: '王' }],
      ['q = 无此人 (no match: full scan)', { q: '无此人' }],
      ['followUserid staff03', { followUserid: 'staff03' }],
      ['tag any [A级意向, 热玛吉]', { tagIds: [tagRef('A级意向'), tagRef('热玛吉')] }],
      ['tag all [A级意向, 热玛吉]', { tagIds: [tagRef('A级意向'), tagRef('热玛吉')], tagMode: 'all' }],
      [
        'staff03 + tag any + douyin + active',
        { followUserid: 'staff03', tagIds: [tagRef('A级意向'), tagRef('热玛吉')], channel: 'douyin', status: 'active' },
      ],
      [
        'all filters, sort by name',
        {
          q: '王',
          followUserid: 'staff03',
          tagIds: [tagRef('玻尿酸')],
          channel: 'douyin',
          status: 'active',
          gender: 2,
          addedFrom: now - 365 * day,
          sortBy: 'name',
          sortOrder: 'asc',
        },
      ],
    ]
    type Row = { name: string; total: string; p50: number; p95: number; max: number; cpuUs: number; combo: boolean }
    const rows: Row[] = []
    const record = (name: string, total: string, m: { times: number[]; cpuUs: number }, combo: boolean) =>
      rows.push({ name, total, p50: pct(m.times, 50), p95: pct(m.times, 95), max: Math.max(...m.times), cpuUs: m.cpuUs, combo })
    for (const [name, partial] of scenarios) {
      const input = customerListInput.parse({ pageSize: 20, ...partial })
      const first = await listCustomers(deps, orgId, input)
      if (input.page === 1 && first.items.length === 0 && first.total > 0) throw new Error(`${name}: empty first page`)
      const m = await measure(() => listCustomers(deps, orgId, input))
      record(name, first.totalExact ? String(first.total) : `${first.total}+`, m, true)
      if (EXPLAIN) {
        console.log(`  ${name}`)
        await explain(deps, kind, orgId, input)
      }
    }
    const someId = Number(
      (
        await handle.db
          .selectFrom('customers')
          .select('id')
          .where('org_id', '=', orgId)
          .orderBy('id')
          .offset(5000)
          .limit(1)
          .executeTakeFirstOrThrow()
      ).id,
    )
    record(
      'lostCustomers.list page 1',
      '',
      await measure(() => listLostCustomers(deps, orgId, lostListInput.parse({ page: 1, pageSize: 20 }))),
      false,
    )
    record('customers.channels', '', await measure(() => listChannels(deps, orgId)), false)
    record('customers.get', '', await measure(() => getCustomer(deps, orgId, someId)), false)

    console.log(`\n${kind} — customers.list on ${CUSTOMERS} customers, pageSize 20, ${RUNS} runs after one warm-up (ms; CPU µs per call)`)
    console.log(
      `${'scenario'.padEnd(44)} ${'total'.padStart(8)} ${'p50'.padStart(7)} ${'p95'.padStart(7)} ${'max'.padStart(7)} ${'cpu µs'.padStart(8)}`,
    )
    for (const r of rows) {
      console.log(
        `${r.name.padEnd(44)} ${r.total.padStart(8)} ${r.p50.toFixed(1).padStart(7)} ${r.p95.toFixed(1).padStart(7)} ${r.max.toFixed(1).padStart(7)} ${r.cpuUs.toFixed(0).padStart(8)}`,
      )
    }
    const combos = rows.filter((r) => r.combo)
    const worst = combos.reduce((a, b) => (b.p95 > a.p95 ? b : a))
    const worstCpu = combos.reduce((a, b) => (b.cpuUs > a.cpuUs ? b : a))
    console.log(
      `${kind} worst customers.list: p95 ${worst.p95.toFixed(1)} ms (${worst.name}), p50 ${Math.max(...combos.map((r) => r.p50)).toFixed(1)} ms max over combinations, CPU ${worstCpu.cpuUs.toFixed(0)} µs per call max (${worstCpu.name}); target p95 ≤ 30 ms: ${worst.p95 <= 30 ? 'met' : 'NOT met'}`,
    )
  } finally {
    await handle.close()
    await drop()
  }
}

for (const kind of which === 'both' ? (['sqlite', 'mysql'] as const) : [which as DialectKind]) await runDialect(kind)
