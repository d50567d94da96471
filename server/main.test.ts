// Start-up and shutdown of a real server: HTTP-only role (WORKERS=0), no request left hanging during boot, drain on close.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { request, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer } from './main'
import { createTestDb } from './testing/test-db'
import { TEST_DIALECT, TEST_MYSQL_URL } from './testing/test-db'
import type { DbHandle } from './db/connect'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')

let dataDir: string
let dbHandle: DbHandle | null = null
let databaseUrl: string

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'crm-main-test-'))
  if (TEST_DIALECT === 'mysql') {
    dbHandle = await createTestDb({ poolSize: 2 })
    const [row] = (await dbHandle.db.selectNoFrom((eb) => eb.fn<string>('database', []).as('name')).execute()) as { name: string }[]
    databaseUrl = `${TEST_MYSQL_URL}/${row.name}`
  } else {
    databaseUrl = `sqlite:${join(dataDir, 'crm.sqlite')}`
  }
})

afterAll(async () => {
  await dbHandle?.close()
  rmSync(dataDir, { recursive: true, force: true })
})

const env = () => ({
  NODE_ENV: 'production',
  APP_SECRET_KEY: 'main-test-secret-key-0123456789',
  ADMIN_PASSWORD: 'main-test-password',
  DATA_DIR: dataDir,
  DATABASE_URL: databaseUrl,
  HOST: '127.0.0.1',
  PORT: '0',
  SANDBOX: '0',
  LOG_LEVEL: 'silent',
})

async function freePort(): Promise<number> {
  const s = createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  const port = (s.address() as AddressInfo).port
  await new Promise<void>((r) => s.close(() => r()))
  return port
}

type Probe = { status: number } | { error: string }

/** One GET; a client-side timeout well under WeCom's 5 s counts as hanging. */
function probe(port: number, path: string): Promise<Probe> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, timeout: 3000 }, (res) => {
      res.resume()
      res.on('end', () => resolve({ status: res.statusCode ?? 0 }))
    })
    req.on('timeout', () => {
      req.destroy()
      resolve({ error: 'hung' })
    })
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }))
    req.end()
  })
}

describe('WORKERS=0: an instance that only serves HTTP', () => {
  it('runs no queue job and no scheduler; an instance with workers picks the job up', async () => {
    const httpOnly = await startServer({ ...env(), WORKERS: '0' })
    const ran: string[] = []
    httpOnly.deps.queue.register('test.probe', async () => void ran.push('http-only'))
    const { id } = await httpOnly.deps.queue.enqueue(httpOnly.deps.db, 'test.probe', {})
    expect(await probe(Number(new URL(httpOnly.url).port), '/healthz')).toEqual({ status: 200 })
    expect(httpOnly.scheduler.started).toBe(false)
    await httpOnly.close()
    expect(ran).toEqual([])

    const worker = await startServer({ ...env(), WORKERS: '1', SCHEDULER: '0' })
    try {
      const done = new Promise<void>((resolve) =>
        worker.deps.queue.register('test.probe', async () => void (ran.push('worker'), resolve())),
      )
      worker.deps.queue.start() // the handler is registered after start-up, so wake the queue for the pending job now
      await done
      const row = await worker.deps.db
        .selectFrom('queue_jobs')
        .select(['status', 'attempts'])
        .where('id', '=', id!)
        .executeTakeFirstOrThrow()
      expect(ran).toEqual(['worker'])
      expect(row.attempts).toBe(1)
      expect(worker.scheduler.started).toBe(false)
    } finally {
      await worker.close()
    }
  })

  it('WORKERS=0 also turns the scheduler off even when SCHEDULER=1', async () => {
    const s = await startServer({ ...env(), WORKERS: '0', SCHEDULER: '1' })
    try {
      expect(s.deps.config.workers).toBe(false)
      expect(s.deps.config.scheduler).toBe(false)
      expect(s.scheduler.started).toBe(false)
    } finally {
      await s.close()
    }
  })
})

describe('boot', () => {
  it('leaves no request hanging while the process starts: refused or answered, never waiting', async () => {
    const port = await freePort()
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'server/main.ts')], {
      cwd: ROOT,
      env: { ...process.env, ...env(), PORT: String(port), SCHEDULER: '0' },
      stdio: ['ignore', 'ignore', 'inherit'],
    })
    const seen: Probe[] = []
    try {
      // Probes from before the socket exists until the first 200, so some land while migrations and bootstrap run.
      for (let i = 0; i < 600; i++) {
        const p = await probe(port, '/healthz')
        seen.push(p)
        if ('status' in p && p.status === 200) break
        await new Promise((r) => setTimeout(r, 20))
      }
    } finally {
      child.kill('SIGTERM')
      await new Promise((r) => child.once('exit', r))
    }
    expect(seen.at(-1)).toEqual({ status: 200 })
    const bad = seen.filter((p) => ('error' in p ? p.error !== 'ECONNREFUSED' : p.status !== 200 && p.status !== 503))
    expect(bad).toEqual([])
  }, 60_000)
})

describe('close (SIGTERM)', () => {
  it('stops accepting connections, finishes the request in flight with Connection: close, then resolves', async () => {
    const s = await startServer({ ...env(), SCHEDULER: '0' })
    const port = Number(new URL(s.url).port)
    // A request in flight: headers and half the body sent, the rest after shutdown has begun.
    const socket = connect(port, '127.0.0.1')
    await new Promise((r) => socket.once('connect', r))
    let answer = ''
    socket.on('data', (b) => (answer += b.toString()))
    const ended = new Promise((r) => socket.once('end', r))
    const body = JSON.stringify({ username: 'nobody', password: 'x'.repeat(20) })
    // Expect: 100-continue makes the server say when it has the headers: from then on the request is in flight.
    const continued = new Promise<void>((resolve) => socket.on('data', () => answer.includes('100 Continue') && resolve()))
    socket.write(
      `POST /trpc/auth.login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`,
    )
    await continued
    const closed = s.close()
    expect(await probe(port, '/healthz')).toEqual({ error: 'ECONNREFUSED' })
    socket.write(body.slice(10))
    await ended
    await closed
    const head = answer
      .replace(/^HTTP\/1\.1 100 Continue\r\n\r\n/, '')
      .split('\r\n\r\n')[0]
      .toLowerCase()
    expect(head).toMatch(/^http\/1\.1 \d{3}/)
    expect(head).toContain('connection: close')
  })
})
