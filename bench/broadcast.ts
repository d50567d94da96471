// Benchmark P4: a broadcast to 100 000 customers over 200 senders, the sandbox in its own process with 30 ms per call;
// prints add_msg_template calls vs Σ⌈nₛ/10 000⌉, time to all batches submitted, peak RSS, tag-filter target resolution,
// and result polling (get_groupmsg_send_result calls and time).
//
//   npx tsx bench/broadcast.ts [sqlite|mysql|both] [--customers=100000] [--staff=200] [--latency=30]
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connectDb } from '../server/db/connect'
import { migrateToLatest } from '../server/db/migrate'
import { buildDeps } from '../server/build-deps'
import { loadConfig } from '../server/config'
import { systemClock } from '../server/lib/clock'
import { silentLogger } from '../server/lib/logger'
import { CLUSTER_SECRET_KEY, createClusterDatabase, setUpClinic, startSandboxProcess, type SandboxProcess } from '../server/testing/cluster'
import { syncCorpTags } from '../server/modules/tags/tags.service'
import type { Deps } from '../server/deps'
import { findSenderCandidates } from '../server/modules/broadcasts/broadcasts.repository'
import {
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

async function run(kind: 'sqlite' | 'mysql', sandbox: SandboxProcess): Promise<Row> {
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
  const config = loadConfig({
    NODE_ENV: 'production',
    APP_SECRET_KEY: CLUSTER_SECRET_KEY,
    DATABASE_URL: url,
    WECOM_API_BASE: `${sandbox.url}/wecom`,
    SANDBOX: '0',
    LOG_LEVEL: 'silent',
  })
  const deps = buildDeps({ config, db: handle.db, dialect: handle.kind, clock: systemClock, log: silentLogger, instanceId: 'bench' })
  try {
    const syncStarted = Date.now()
    await mirror(deps, clinic.orgId)
    const syncMs = Date.now() - syncStarted

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
    const { id } = await createBroadcast(deps, clinic.orgId, null, {
      title: '压测群发',
      content: {
        text: '十二月会员日，护理项目八折',
        attachments: [{ msgtype: 'link', link: { title: '活动', url: 'https://example.com/a' } }],
      },
      targets: { kind: 'all' },
      scheduledAt: null,
    })
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
    const delivered = await handle.db
      .selectFrom('broadcast_targets')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('broadcast_id', '=', id)
      .where('status', '=', 'sent')
      .executeTakeFirstOrThrow()
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
      delivered: Number(delivered.n),
      'mirror ms': syncMs,
    }
  } finally {
    await handle.close()
    await drop()
  }
}

async function main() {
  const sandbox = await startSandboxProcess()
  const rows: Row[] = []
  try {
    for (const kind of which === 'both' ? (['sqlite', 'mysql'] as const) : [which as 'sqlite' | 'mysql']) {
      rows.push(await run(kind, sandbox))
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
