// createApp(deps): the Express app — tRPC, platform callbacks, health, metrics, sandbox and static pages.
import { randomUUID } from 'node:crypto'
import express, { type Express, type NextFunction, type Request, type Response, type Router } from 'express'
import type { Deps } from './deps'
import { migrationsPending } from './db/migrate'
import { tokenOrLoopback } from './http/access-guard'
import { createMetrics, type Metrics } from './http/metrics'
import { securityHeaders } from './http/security-headers'
import { mountStatic } from './http/static'
import { trpcMiddleware } from './trpc/express'
import { createOaVerifyFileRouter } from './modules/oa-config/verify-file.route'
import { createH5Router } from './modules/h5-binding/h5-oauth.route'
import { createSmsReportRouter } from './modules/notifications/sms-report.route'
import { createIngestRouter } from './modules/ingest/ingest.route'

export interface AppOptions {
  deps: Deps
  metrics?: Metrics
  /** The sandbox's router, mounted at /sandbox (demo/test, or SANDBOX=1). */
  sandboxRouter?: Router
  /** Routes that need the raw body (platform callbacks), mounted before any body parser. */
  rawRoutes?: Router[]
  /** Directory holding the vite build (dist/). */
  distDir?: string
}

export function createApp(opts: AppOptions): Express {
  const { deps } = opts
  const metrics = opts.metrics ?? createMetrics(deps)
  const app = express()
  app.disable('x-powered-by')
  // A hop count, never `true`: behind an appending proxy `true` would take the client-written left-most X-Forwarded-For.
  app.set('trust proxy', deps.config.trustProxy > 0 ? deps.config.trustProxy : false)
  app.use(metrics.middleware)
  app.use(requestLog(deps))
  app.use(securityHeaders({ https: deps.config.publicBaseUrl.startsWith('https://') }))

  for (const r of opts.rawRoutes ?? []) app.use(r)
  // The calling system's events: raw body (signed bytes) read by the route itself.
  app.use(createIngestRouter(deps))

  app.get('/healthz', (_req, res) => {
    res.json({ ok: true })
  })
  app.get('/readyz', async (_req, res) => {
    try {
      const pending = await migrationsPending(deps.db)
      if (pending > 0) {
        res.status(503).json({ ok: false, reason: `${pending} migrations pending` })
        return
      }
      res.json({ ok: true })
    } catch (err) {
      res.status(503).json({ ok: false, reason: `database unreachable: ${(err as Error).message}` })
    }
  })
  // Queue depth and traffic of every org: operators only (see README, Security).
  app.get(
    '/metrics',
    tokenOrLoopback({ token: deps.config.metricsToken, loopbackWithoutToken: false, realm: 'metrics' }),
    async (_req, res) => {
      res.set('Content-Type', metrics.registry.contentType)
      res.send(await metrics.registry.metrics())
    },
  )

  app.use('/trpc', ...trpcMiddleware(deps))
  app.use(createSmsReportRouter(deps))

  if (opts.sandboxRouter) {
    // The control API plays the outside world (scans, deletions, faults); the emulated WeCom API stays open, it checks
    // access_token like WeCom does.
    const token = deps.config.sandboxToken
    app.use(
      '/sandbox/control',
      tokenOrLoopback({ token, loopbackWithoutToken: true, headerNames: ['x-sandbox-token'], realm: 'sandbox control' }),
    )
    app.use('/sandbox', opts.sandboxRouter)
  }
  // Before the static pages: the OA domain check file lives at the root.
  app.use(createOaVerifyFileRouter(deps))
  // Before the static pages too: /h5/ without a session goes through WeChat's authorize page first.
  app.use(createH5Router(deps))
  if (opts.distDir) mountStatic(app, opts.distDir)

  app.use((_req, res) => {
    res.status(404).json({ error: 'not found' })
  })
  app.use((err: Error & { status?: number; type?: string }, _req: Request, res: Response, _next: NextFunction) => {
    const status = err.status ?? 500
    if (status >= 500) deps.log.error({ err }, 'unhandled request error')
    // Same wording as the tRPC formatter's masked internal errors, so support can match the id to the log.
    const internal = deps.config.production
      ? `服务器内部错误（请求编号 ${String(res.getHeader('X-Request-Id') ?? '-')}）`
      : 'internal error'
    res.status(status).json({ error: status >= 500 ? internal : err.message })
  })
  return app
}

/** One log line per request with a request id (echoed in X-Request-Id); skipped for health probes. */
function requestLog(deps: Deps) {
  return (req: Request, res: Response, next: NextFunction) => {
    const id = String(req.headers['x-request-id'] ?? '').slice(0, 64) || randomUUID()
    res.setHeader('X-Request-Id', id)
    if (req.path === '/healthz' || req.path === '/readyz' || req.path === '/metrics') return next()
    const started = process.hrtime.bigint()
    res.on('finish', () => {
      if (!deps.log.isLevelEnabled('debug') && res.statusCode < 500) return
      const ms = Number(process.hrtime.bigint() - started) / 1e6
      deps.log[res.statusCode >= 500 ? 'warn' : 'debug'](
        { reqId: id, method: req.method, path: req.path, status: res.statusCode, ms: Math.round(ms * 10) / 10 },
        'request',
      )
    })
    next()
  }
}
