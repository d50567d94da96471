// Benchmark: the callback route under junk (POSTs to long unknown keys); prints the server's RSS and heap before/after and CPU per request.
//
//   npx tsx bench/callback-junk.ts [--requests=20000] [--key-length=12000] [--connections=32] [--body-bytes=200]
//
// The server runs in a child process (SQLite in a temp DATA_DIR, the callback receiver wired as server/main.ts wires it:
// fast path ahead of Express), so its RSS and CPU are not mixed with the load generator's. Each request has its own
// random key, as a scanner or a misconfigured proxy would send. Figures are taken after a forced GC in the child.
import { fork, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { Agent, createServer, request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const args = process.argv.slice(2)
const opt = (name: string, dflt: number) => Number(args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? dflt)

interface Stats {
  rss: number
  heapUsed: number
  cpuUs: number
  logLines: number
}

type FromChild = { ready: string } | { stats: Stats }

// ---------------------------------------------------------------- server (child)

async function serve(): Promise<void> {
  const { createApp } = await import('../server/app')
  const { loadConfig } = await import('../server/config')
  const { connectDb } = await import('../server/db/connect')
  const { migrateToLatest } = await import('../server/db/migrate')
  const { buildDeps } = await import('../server/build-deps')
  const { systemClock } = await import('../server/lib/clock')
  const { pino } = await import('pino')
  const { createMetrics } = await import('../server/http/metrics')
  const { withFastPaths } = await import('../server/http/fast-path')
  const { WecomCallbackReceiver } = await import('../server/modules/callbacks/callback.route')
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-callback-junk-'))
  const server = createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as AddressInfo).port
  const config = loadConfig({
    NODE_ENV: 'production',
    APP_SECRET_KEY: randomBytes(24).toString('hex'),
    DATA_DIR: dataDir,
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    SANDBOX: '0',
    SCHEDULER: '0',
    // Refusals are logged at warn: the figures include what logging them costs.
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
  })
  // Log lines are formatted and dropped: their cost counts, the terminal stays readable. Lines written are counted.
  let logLines = 0
  const log = pino({ level: config.logLevel }, { write: () => void logLines++ })
  const handle = await connectDb(config.databaseUrl)
  await migrateToLatest(handle.db)
  const deps = buildDeps({ config, db: handle.db, dialect: handle.kind, clock: systemClock, log, instanceId: 'bench-junk' })
  const metrics = createMetrics(deps)
  const callbacks = new WecomCallbackReceiver(deps, metrics)
  const app = createApp({ deps, metrics, rawRoutes: [callbacks.router()] })
  server.on('request', withFastPaths(app, [callbacks.fastPath()]))
  const gc = (globalThis as { gc?: () => void }).gc
  process.on('message', (m: string) => {
    if (m === 'stats') {
      gc?.()
      gc?.()
      const mem = process.memoryUsage()
      const cpu = process.cpuUsage()
      process.send!({ stats: { rss: mem.rss, heapUsed: mem.heapUsed, cpuUs: cpu.user + cpu.system, logLines } })
    } else if (m === 'exit') {
      server.closeAllConnections()
      server.close()
      void handle.close().finally(() => {
        rmSync(dataDir, { recursive: true, force: true })
        process.exit(0)
      })
    }
  })
  process.send!({ ready: `http://127.0.0.1:${port}` })
}

// ---------------------------------------------------------------- load (parent)

function ask<T>(child: ChildProcess, pick: (m: FromChild) => T | undefined, send?: string): Promise<T> {
  return new Promise((resolve) => {
    const on = (m: FromChild) => {
      const v = pick(m)
      if (v === undefined) return
      child.off('message', on)
      resolve(v)
    }
    child.on('message', on)
    if (send) child.send(send)
  })
}

async function load(url: string, n: number, keyLength: number, connections: number, body: string): Promise<Map<number, number>> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections })
  const statuses = new Map<number, number>()
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
  const junkKey = () => {
    const bytes = randomBytes(keyLength)
    let s = ''
    for (let i = 0; i < keyLength; i++) s += alphabet[bytes[i] & 63]
    return s
  }
  let next = 0
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const req = request(
        `${url}/api/wework/callback/${junkKey()}?msg_signature=x&timestamp=1&nonce=1`,
        { method: 'POST', agent, headers: { 'content-type': 'text/xml' } },
        (res) => {
          statuses.set(res.statusCode ?? 0, (statuses.get(res.statusCode ?? 0) ?? 0) + 1)
          res.resume()
          res.on('end', resolve)
        },
      )
      req.on('error', reject)
      req.end(body)
    })
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (next < n) {
        next++
        await one()
      }
    }),
  )
  agent.destroy()
  return statuses
}

async function main(): Promise<void> {
  const requests = opt('requests', 20_000)
  const keyLength = opt('key-length', 12_000)
  const connections = opt('connections', 32)
  const body = `<xml><ToUserName><![CDATA[ww0000000000000000]]></ToUserName><Encrypt><![CDATA[${'A'.repeat(Math.max(0, opt('body-bytes', 200) - 80))}]]></Encrypt></xml>`
  const child = fork(fileURLToPath(import.meta.url), ['--serve'], {
    execArgv: ['--import', 'tsx', '--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const url = await ask(child, (m) => ('ready' in m ? m.ready : undefined))
  // Warm-up: JIT, pools and lazy modules, so the "before" figure is the steady state.
  await load(url, 500, keyLength, connections, body)
  const before = await ask(child, (m) => ('stats' in m ? m.stats : undefined), 'stats')
  const t0 = performance.now()
  const statuses = await load(url, requests, keyLength, connections, body)
  const wallMs = performance.now() - t0
  const after = await ask(child, (m) => ('stats' in m ? m.stats : undefined), 'stats')
  child.send('exit')
  const mb = (b: number) => (b / 1024 / 1024).toFixed(1)
  const rows: [string, string][] = [
    ['requests', `${requests} (keys of ${keyLength} chars, ${connections} connections)`],
    ['statuses', [...statuses].map(([s, c]) => `${s}×${c}`).join(' ')],
    [
      'RSS before → after',
      `${mb(before.rss)} MB → ${mb(after.rss)} MB (${after.rss >= before.rss ? '+' : ''}${mb(after.rss - before.rss)} MB)`,
    ],
    [
      'heap before → after',
      `${mb(before.heapUsed)} MB → ${mb(after.heapUsed)} MB (${after.heapUsed >= before.heapUsed ? '+' : ''}${mb(after.heapUsed - before.heapUsed)} MB)`,
    ],
    ['server CPU per request', `${((after.cpuUs - before.cpuUs) / requests).toFixed(1)} µs`],
    ['log lines written', String(after.logLines - before.logLines)],
    ['throughput', `${Math.round(requests / (wallMs / 1000))} req/s`],
  ]
  for (const [k, v] of rows) console.log(`${k.padEnd(24)} ${v}`)
}

if (args.includes('--serve')) await serve()
else await main()
