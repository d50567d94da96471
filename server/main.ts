// Start-up: config → database → migrations → bootstrap → HTTP (+ sandbox) → queue workers → scheduler.
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { createApp } from './app'
import { bootstrap } from './bootstrap'
import { ConfigError, loadConfig } from './config'
import { connectDb } from './db/connect'
import { migrateToLatest } from './db/migrate'
import type { Deps } from './deps'
import { buildDeps } from './build-deps'
import { createMetrics } from './http/metrics'
import { systemClock, type Clock } from './lib/clock'
import { createLogger } from './lib/logger'
import { WecomCallbackReceiver } from './modules/callbacks/callback.route'
import { withFastPaths } from './http/fast-path'
import { registerWorkers } from './workers'
import { createSandbox, DEMO_CORP_NAME } from './sandbox/index'
import { linkDemoOrg } from './sandbox-link'
import { createContactWayQrRouter } from './modules/contact-ways/contact-ways.qr.route'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')

export interface RunningServer {
  url: string
  deps: Deps
  admin: { username: string; password: string | null }
  close(): Promise<void>
}

export async function startServer(envOverrides: Record<string, string | undefined> = {}, opts: { clock?: Clock } = {}): Promise<RunningServer> {
  const env = { ...process.env, ...envOverrides }
  const requested = loadConfig(env)
  // Listen first: with PORT=0 the public URL (callback and sandbox URLs derive from it) is known only now.
  const server = createServer()
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve)
    server.once('error', reject)
    server.listen(requested.port, requested.host)
  })
  const port = (server.address() as AddressInfo).port
  const config = requested.port === port ? requested : loadConfig({ ...env, PORT: String(port) })
  const log = createLogger(config.logLevel)
  const clock = opts.clock ?? systemClock
  const handle = await connectDb(config.databaseUrl)
  const applied = await migrateToLatest(handle.db)
  if (applied.length) log.info({ applied }, 'migrations applied')

  const instanceId = `${process.pid}-${randomBytes(3).toString('hex')}`
  const sandbox = config.sandbox
    ? createSandbox({ publicBaseUrl: config.publicBaseUrl, seed: 'demo', clock, stateFile: join(config.dataDir, 'sandbox-state.json'), onError: (err, where) => log.error({ err, where }, 'sandbox error') })
    : null
  const deps = buildDeps({ config, db: handle.db, dialect: handle.kind, mysql: handle.mysql, clock, log, instanceId, sandbox: sandbox?.control })
  const { queue, scheduler } = deps
  const boot = await bootstrap(deps, { demo: !config.production })
  const metrics = createMetrics(deps, { defaultMetrics: true })
  const callbacks = new WecomCallbackReceiver(deps, metrics)
  const app = createApp({
    deps,
    metrics,
    distDir: join(ROOT, 'dist'),
    rawRoutes: [callbacks.router(), createContactWayQrRouter(deps)],
    sandboxRouter: sandbox?.router,
  })
  // WeCom's POSTs are acked without Express (see WecomCallbackReceiver.fastPath); everything else is the app.
  server.on('request', withFastPaths(app, [callbacks.fastPath()]))
  const url = envOverrides.PUBLIC_BASE_URL || process.env.PUBLIC_BASE_URL ? config.publicBaseUrl : `http://127.0.0.1:${port}`

  registerWorkers(deps)
  queue.start()
  if (config.scheduler) scheduler.start()

  if (sandbox && boot.demoOrgId) {
    // The demo org talks to the sandbox's demo corp; a failure here leaves the demo usable, just unlinked.
    const linked = await linkDemoOrg(deps, sandbox, boot.demoOrgId, DEMO_CORP_NAME).catch((err) => {
      log.error({ err }, 'could not link the demo org to the sandbox')
      return null
    })
    // A fresh demo shows the sandbox's seeded customers at once instead of waiting for the nightly sync.
    const known = await handle.db.selectFrom('customers').select('id').where('org_id', '=', boot.demoOrgId).limit(1).executeTakeFirst()
    if (linked && !known) await scheduler.runNow('sync-customers')
  }

  let closing: Promise<void> | null = null
  const close = () =>
    (closing ??= (async () => {
      // Stop taking requests first, then let in-flight jobs finish, then release the pool.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      server.closeIdleConnections?.()
      setTimeout(() => server.closeAllConnections?.(), 5000).unref()
      await closed
      await scheduler.stop()
      await queue.stop()
      await sandbox?.close()
      await deps.wecomLimiter.close()
      await handle.close()
    })())
  return { url, deps, admin: boot.admin, close }
}

async function main() {
  let running: RunningServer
  try {
    running = await startServer()
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
    `  诊所客户管理服务已启动 (${config.production ? 'production' : 'demo'}, ${running.deps.dialect}${config.sandbox ? ', sandbox on' : ''})`,
    `  管理后台 Admin:  ${running.url}/web/`,
    `  员工 H5:         ${running.url}/h5/`,
    `  登录 Login:      ${running.admin.username} / ${running.admin.password ?? '(password set earlier via ADMIN_PASSWORD)'}`,
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
