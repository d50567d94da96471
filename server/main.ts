// Start-up: config → database → migrations → bootstrap → app (+ sandbox) → listen → queue workers → scheduler; SIGTERM in reverse.
import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { createApp } from './app'
import { bootstrap, DEMO_ORG } from './bootstrap'
import { h5EntryUrl } from '../shared/h5-entry'
import { ConfigError, loadConfig, securityWarnings } from './config'
import { connectDb } from './db/connect'
import { migrateToLatest } from './db/migrate'
import type { Deps } from './deps'
import { buildDeps } from './build-deps'
import { hasAnyCustomer } from './modules/customers/customers.repository'
import { createMetrics } from './http/metrics'
import { systemClock, type Clock } from './lib/clock'
import { createLogger } from './lib/logger'
import type { JobDefinition } from './jobs/scheduler'
import type { JobScheduler } from './jobs/job-scheduler'
import { WecomCallbackReceiver } from './modules/callbacks/callback.route'
import { OaCallbackReceiver } from './modules/callbacks/oa-callback.route'
import { withFastPaths } from './http/fast-path'
import { registerWorkers } from './workers'
import { createSandbox, DEMO_CORP_NAME } from './sandbox/index'
import { linkDemoOrg } from './sandbox-link'
import { createContactWayQrRouter } from './modules/contact-ways/contact-ways.qr.route'
import { createCustomerExportRouter } from './modules/customers/customers.export.route'
import { createBroadcastRedirectRouter } from './modules/broadcasts/broadcasts.redirect.route'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')

export interface RunningServer {
  url: string
  deps: Deps
  admin: { username: string; password: string | null; passwordFile: string | null }
  scheduler: JobScheduler
  close(): Promise<void>
}

export interface StartOptions {
  clock?: Clock
  /** Scheduled jobs (default: every job of the product); multi-instance tests run them on a faster schedule. */
  jobs?: JobDefinition[]
}

export async function startServer(envOverrides: Record<string, string | undefined> = {}, opts: StartOptions = {}): Promise<RunningServer> {
  const env = { ...process.env, ...envOverrides }
  const requested = loadConfig(env)
  // PORT=0 (tests): the port, and so the public URL the sandbox and callback URLs derive from, exists only once bound.
  const early = requested.port === 0 ? await listenEarly(requested.host) : null
  const config = early ? loadConfig({ ...env, PORT: String(early.port) }) : requested
  const log = createLogger(config.logLevel)
  for (const warning of securityWarnings(config)) log.warn(warning)
  const clock = opts.clock ?? systemClock
  const handle = await connectDb(config.databaseUrl)
  const applied = await migrateToLatest(handle.db)
  if (applied.length) log.info({ applied }, 'migrations applied')

  const instanceId = `${process.pid}-${randomBytes(3).toString('hex')}`
  const sandbox = config.sandbox
    ? createSandbox({
        publicBaseUrl: config.publicBaseUrl,
        seed: 'demo',
        clock,
        stateFile: join(config.dataDir, 'sandbox-state.json'),
        onError: (err, where) => log.error({ err, where }, 'sandbox error'),
      })
    : null
  const deps = buildDeps({
    config,
    db: handle.db,
    dialect: handle.kind,
    mysql: handle.mysql,
    clock,
    log,
    instanceId,
    sandbox: sandbox?.control,
    jobs: opts.jobs,
  })
  const { queue, scheduler } = deps
  const boot = await bootstrap(deps, { demo: !config.production })
  const metrics = createMetrics(deps, { defaultMetrics: true })
  const callbacks = new WecomCallbackReceiver(deps, metrics)
  const oaCallbacks = new OaCallbackReceiver(deps, metrics)
  const app = createApp({
    deps,
    metrics,
    distDir: join(ROOT, 'dist'),
    rawRoutes: [
      callbacks.router(),
      oaCallbacks.router(),
      createContactWayQrRouter(deps),
      createBroadcastRedirectRouter(deps),
      createCustomerExportRouter(deps),
    ],
    sandboxRouter: sandbox?.router,
  })
  // WeCom's POSTs are acked without Express (see WecomCallbackReceiver.fastPath); everything else is the app.
  const http = serveWhenReady(withFastPaths(app, [callbacks.fastPath(), oaCallbacks.fastPath()]))
  const server = early ? early.ready(http.listener) : await listen(createServer(http.listener), config.port, config.host)
  const port = (server.address() as AddressInfo).port
  const url = envOverrides.PUBLIC_BASE_URL || process.env.PUBLIC_BASE_URL ? config.publicBaseUrl : `http://127.0.0.1:${port}`

  startWork(deps)
  if (sandbox && boot.demoOrgId && config.workers) {
    // The demo org talks to the sandbox's demo corp; a failure here leaves the demo usable, just unlinked.
    const linked = await linkDemoOrg(deps, sandbox, boot.demoOrgId, DEMO_CORP_NAME).catch((err) => {
      log.error({ err }, 'could not link the demo org to the sandbox')
      return null
    })
    // A fresh demo shows the sandbox's seeded customers at once instead of waiting for the nightly sync.
    if (linked && !(await hasAnyCustomer(handle.db, boot.demoOrgId))) await scheduler.runNow('sync-customers')
  }

  let closing: Promise<void> | null = null
  const close = () =>
    (closing ??= (async () => {
      // Stop taking connections first, then let in-flight jobs finish, then release the pool.
      await http.drain(server)
      await scheduler.stop()
      await queue.stop()
      await sandbox?.close()
      await deps.wecomLimiter.close()
      await handle.close()
    })())
  return { url, deps, admin: boot.admin, scheduler, close }
}

/** Queue workers and the scheduler, unless this instance only serves HTTP (WORKERS=0; SCHEDULER=0 turns off the scheduler alone). */
function startWork(deps: Deps): void {
  if (deps.config.workers) {
    registerWorkers(deps)
    deps.queue.start()
  }
  if (deps.config.scheduler) deps.scheduler.start()
}

function listen(server: Server, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve(server)
    })
  })
}

/** 503 with Connection: close: WeCom retries a failed try a second later, instead of waiting out its 5 s on a hung one. */
export function answerNotReady(_req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8', 'Retry-After': '1', Connection: 'close' })
  res.end('starting')
}

/** Bound before boot (PORT=0 only): answers 503 until `ready` swaps in the app, so no request waits on a missing handler. */
async function listenEarly(host: string): Promise<{ port: number; ready(listener: RequestListener): Server }> {
  let current: RequestListener = answerNotReady
  const server = await listen(
    createServer((req, res) => current(req, res)),
    0,
    host,
  )
  return {
    port: (server.address() as AddressInfo).port,
    ready(listener) {
      current = listener
      return server
    },
  }
}

/**
 * The request listener plus its shutdown: once draining, every answer carries Connection: close, so a proxy does not
 * send a next request down a keep-alive connection we are about to close; idle ones are closed at once.
 */
function serveWhenReady(inner: RequestListener): { listener: RequestListener; drain(server: Server): Promise<void> } {
  let draining = false
  const unanswered = new Set<ServerResponse>()
  return {
    listener(req, res) {
      if (draining) res.setHeader('Connection', 'close')
      else {
        unanswered.add(res)
        res.once('finish', () => unanswered.delete(res)).once('close', () => unanswered.delete(res))
      }
      inner(req, res)
    },
    async drain(server) {
      draining = true
      // Requests already in flight answer after this point too: their headers are not written yet.
      for (const res of unanswered) if (!res.headersSent) res.setHeader('Connection', 'close')
      unanswered.clear()
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      server.closeIdleConnections()
      // In-flight requests get this long; then whatever is left (a hung client) is cut.
      const force = setTimeout(() => server.closeAllConnections(), 5000)
      force.unref()
      await closed
      clearTimeout(force)
    },
  }
}

/** The password (demo), or where to find it: production never prints one. */
function loginHint(admin: RunningServer['admin']): string {
  if (admin.password) return admin.password
  if (admin.passwordFile) return `(初始密码已写入 ${admin.passwordFile}，仅本用户可读；登录后请修改密码并删除该文件)`
  return '(password set earlier via ADMIN_PASSWORD)'
}

export async function main(opts: StartOptions = {}) {
  let running: RunningServer
  try {
    running = await startServer({}, opts)
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message)
      process.exit(2)
    }
    throw err
  }
  const { config } = running.deps
  const lines = [
    '',
    `  诊所客户管理服务已启动 (${config.production ? 'production' : 'demo'}, ${running.deps.dialect}${config.sandbox ? ', sandbox on' : ''}${config.workers ? '' : ', HTTP only'})`,
    `  管理后台 Admin:  ${running.url}/web/`,
    `  员工 H5:         ${config.sandbox ? h5EntryUrl(running.url, DEMO_ORG.slug) : `${running.url}/h5/?org=<机构标识>`}${config.sandbox ? '（演示机构的绑定页）' : ''}`,
    `  登录 Login:      ${running.admin.username} / ${loginHint(running.admin)}`,
    ...(config.sandboxToken ? [`  沙箱令牌 Token:  ${config.sandboxToken}（其他设备调用沙箱控制接口时放在 X-Sandbox-Token 头中）`] : []),
    '',
  ]
  console.log(lines.join('\n'))
  const shutdown = (signal: string) => {
    running.deps.log.info({ signal }, 'shutting down')
    const timer = setTimeout(() => process.exit(1), 15_000)
    timer.unref()
    running.close().then(
      () => process.exit(0),
      (err) => {
        running.deps.log.error({ err }, 'shutdown failed')
        process.exit(1)
      },
    )
  }
  process.once('SIGTERM', () => shutdown('SIGTERM'))
  process.once('SIGINT', () => shutdown('SIGINT'))
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main()
}
