// Several real server processes on one MariaDB with the WeCom sandbox in its own process: for the multi-instance test and bench.
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createServer, request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadConfig } from '../config'
import { connectDb, type DbHandle } from '../db/connect'
import { migrateToLatest } from '../db/migrate'
import { buildDeps } from '../build-deps'
import { systemClock } from '../lib/clock'
import { silentLogger } from '../lib/logger'
import { generateEncodingAesKey } from '../platform/crypto'
import { createContactWay } from '../modules/contact-ways/contact-ways.service'
import { findConfigByOrg } from '../modules/wecom-config/wecom-config.repository'
import { saveConfig, syncStaff } from '../modules/wecom-config/wecom-config.service'
import { createOrgWithUser } from './deps'
import { contactWayCreateInput } from '../../shared/schemas/contact-way'

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..')
export const CLUSTER_SECRET_KEY = 'cluster-only-app-secret-key-0123456789'
const MYSQL_URL = (process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306').replace(/\/$/, '')

export async function freePort(): Promise<number> {
  const s = createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  const port = (s.address() as AddressInfo).port
  await new Promise<void>((r) => s.close(() => r()))
  return port
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** A fresh MariaDB database with every migration applied; `drop()` removes it. */
export async function createClusterDatabase(prefix: string): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`
  const mysql = await import('mysql2/promise')
  const admin = async (sql: string) => {
    const conn = await mysql.createConnection({ uri: MYSQL_URL })
    try {
      await conn.query(sql)
    } finally {
      await conn.end()
    }
  }
  await admin(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`)
  const handle = await connectDb(`${MYSQL_URL}/${name}`, { poolSize: 2 })
  await migrateToLatest(handle.db)
  await handle.close()
  return { name, url: `${MYSQL_URL}/${name}`, drop: () => admin(`DROP DATABASE IF EXISTS \`${name}\``) }
}

export interface SandboxProcess {
  /** `http://127.0.0.1:port/sandbox` */
  url: string
  child: ChildProcess
  api<T = any>(method: string, path: string, body?: unknown): Promise<T>
  stop(): Promise<void>
}

function waitForExit(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode)
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)))
}

export async function startSandboxProcess(): Promise<SandboxProcess> {
  const port = await freePort()
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'server/sandbox/standalone.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      SANDBOX_PORT: String(port),
      SANDBOX_HOST: '127.0.0.1',
      SANDBOX_SEED: 'none',
      SANDBOX_RATE_LIMIT_PER_MINUTE: '100000000',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`sandbox exited with ${code}`)))
    child.stdout!.on('data', (b: Buffer) => b.toString().includes('WeCom sandbox on') && resolve())
  })
  child.stdout!.resume()
  const url = `http://127.0.0.1:${port}/sandbox`
  return {
    url,
    child,
    async api<T>(method: string, path: string, body?: unknown): Promise<T> {
      const r = await fetch(`${url}/control${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
      const json = (await r.json()) as T
      if (!r.ok) throw new Error(`sandbox ${method} ${path}: ${r.status} ${JSON.stringify(json)}`)
      return json
    },
    async stop() {
      child.kill('SIGTERM')
      await waitForExit(child)
    },
  }
}

export interface Instance {
  name: string
  port: number
  url: string
  child: ChildProcess
  /** SIGTERM and wait; resolves with the exit code. */
  stop(): Promise<number | null>
}

export interface InstanceOptions {
  name: string
  databaseUrl: string
  sandboxUrl: string
  /** The URL WeCom is told to call (nginx in the bench); default the instance itself. */
  publicBaseUrl?: string
  port?: number
  env?: Record<string, string>
  /** Entry file relative to the repository (default server/main.ts). */
  entry?: string
}

/** `tsx server/main.ts` in production mode against the sandbox process; resolves once /readyz answers 200. */
export async function startInstance(o: InstanceOptions): Promise<Instance> {
  const port = o.port ?? (await freePort())
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, o.entry ?? 'server/main.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      APP_SECRET_KEY: CLUSTER_SECRET_KEY,
      ADMIN_PASSWORD: 'cluster-admin-password',
      DATABASE_URL: o.databaseUrl,
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_BASE_URL: o.publicBaseUrl ?? `http://127.0.0.1:${port}`,
      WECOM_API_BASE: `${o.sandboxUrl}/wecom`,
      SANDBOX: '0',
      LOG_LEVEL: 'warn',
      ...o.env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  const url = `http://127.0.0.1:${port}`
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`instance ${o.name} exited with ${child.exitCode} during start-up`)
    if ((await status(`${url}/readyz`)) === 200) break
    if (i > 600) throw new Error(`instance ${o.name} not ready after 60 s`)
    await pause(100)
  }
  return {
    name: o.name,
    port,
    url,
    child,
    async stop() {
      child.kill('SIGTERM')
      return waitForExit(child)
    },
  }
}

function status(url: string): Promise<number | null> {
  return new Promise((resolve) => {
    const req = request(url, { agent: false, timeout: 2000 }, (res) => {
      res.resume()
      resolve(res.statusCode ?? null)
    })
    req.on('timeout', () => req.destroy())
    req.on('error', () => resolve(null))
    req.end()
  })
}

export interface Clinic {
  orgId: number
  corpid: string
  configId: string
  callbackKey: string
  callbackToken: string
  encodingAesKey: string
  /** Points the sandbox corp's callbacks at `${baseUrl}/api/wework/callback/<key>`. */
  pointCallbacksAt(baseUrl: string): Promise<void>
}

/**
 * The clinic as an admin would set it up: an org linked to a fresh sandbox corp with ten staff, a contact way with a
 * welcome message. Done from this process, then its tokens are dropped and the counters reset, so the instances
 * start from nothing but the configuration.
 */
export async function setUpClinic(databaseUrl: string, sandbox: SandboxProcess, staff = 10): Promise<Clinic> {
  const handle: DbHandle = await connectDb(databaseUrl, { poolSize: 2 })
  try {
    const config = loadConfig({
      NODE_ENV: 'production',
      APP_SECRET_KEY: CLUSTER_SECRET_KEY,
      DATABASE_URL: databaseUrl,
      WECOM_API_BASE: `${sandbox.url}/wecom`,
      SANDBOX: '0',
      LOG_LEVEL: 'silent',
    })
    const deps = buildDeps({ config, db: handle.db, dialect: handle.kind, clock: systemClock, log: silentLogger, instanceId: 'setup' })
    const userids = Array.from({ length: staff }, (_, i) => `staff${String(i + 1).padStart(2, '0')}`)
    const { orgId, user } = await createOrgWithUser(deps, 'org_admin', '多实例诊所')
    const corp = await sandbox.api('POST', '/corps', {
      name: '多实例诊所',
      members: userids.map((userid, i) => ({ userid, name: `员工${i + 1}` })),
    })
    const contact = corp.apps.find((a: { kind: string }) => a.kind === 'contact')
    const agent = corp.apps.find((a: { kind: string }) => a.kind === 'agent')
    const callbackToken = randomBytes(8).toString('hex')
    const encodingAesKey = generateEncodingAesKey()
    await saveConfig(deps, orgId, {
      corpId: corp.corpid,
      agentId: String(agent.agentid),
      contactSecret: contact.secret,
      agentSecret: agent.secret,
      callbackToken,
      encodingAesKey,
    })
    await syncStaff(deps, orgId)
    const way = await createContactWay(
      deps,
      orgId,
      user.id,
      contactWayCreateInput.parse({
        channelName: '小红书',
        state: 'xiaohongshu',
        type: 2,
        userIds: userids,
        welcome: { text: '您好，欢迎咨询！', attachments: [] },
      }),
    )
    const callbackKey = (await findConfigByOrg(handle.db, orgId))!.callback_key
    // The instances must fetch their own tokens: that is what the token counters measure.
    await handle.db.deleteFrom('platform_tokens').execute()
    await sandbox.api('DELETE', '/counters')
    await sandbox.api('DELETE', '/logs')
    const pointCallbacksAt = async (baseUrl: string) => {
      await sandbox.api('PUT', `/corps/${corp.corpid}/callback`, {
        url: `${baseUrl}/api/wework/callback/${callbackKey}`,
        token: callbackToken,
        encodingAesKey,
      })
    }
    return { orgId, corpid: corp.corpid, configId: way.configId!, callbackKey, callbackToken, encodingAesKey, pointCallbacksAt }
  } finally {
    await handle.close()
  }
}

export interface Delivery {
  id: number
  url: string
  created_at: number
  plaintext: string
  encrypt: string
  attempts: { attempt: number; started_at: number; status: number | null; ms: number; error?: string }[]
  status: 'pending' | 'delivered' | 'failed'
}

/** The sandbox's delivery log for a corp, waiting (bounded) until no delivery is pending. */
export async function settledDeliveries(sandbox: SandboxProcess, corpid: string, timeoutMs = 60_000): Promise<Delivery[]> {
  const until = Date.now() + timeoutMs
  for (;;) {
    const { items } = await sandbox.api<{ items: Delivery[] }>('GET', `/logs/callbacks?corpid=${corpid}&limit=20000`)
    if (items.every((d) => d.status !== 'pending') || Date.now() > until) return items
    await pause(200)
  }
}

/** Waits (bounded) until no queue job is pending or running; returns whether the queue drained. */
export async function queueDrained(databaseUrl: string, timeoutMs = 60_000): Promise<boolean> {
  const handle = await connectDb(databaseUrl, { poolSize: 1 })
  try {
    const until = Date.now() + timeoutMs
    for (;;) {
      const open = await handle.db
        .selectFrom('queue_jobs')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('status', 'in', ['pending', 'running'])
        .executeTakeFirstOrThrow()
      if (Number(open.n) === 0) return true
      if (Date.now() > until) return false
      await pause(250)
    }
  } finally {
    await handle.close()
  }
}
