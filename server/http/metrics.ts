// Prometheus metrics: HTTP durations, queue depth by status, job runs; one registry per app.
import type { NextFunction, Request, Response } from 'express'
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { Deps } from '../deps'

export interface Metrics {
  registry: Registry
  httpDuration: Histogram<'method' | 'route' | 'status'>
  jobRuns: Counter<'job' | 'status'>
  callbacks: Counter<'source' | 'result'>
  middleware(req: Request, res: Response, next: NextFunction): void
}

export function createMetrics(deps: Pick<Deps, 'queue'>, opts: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry()
  if (opts.defaultMetrics) collectDefaultMetrics({ register: registry })
  const httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by route',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  })
  const jobRuns = new Counter({
    name: 'job_runs_total',
    help: 'Scheduler job runs by result',
    labelNames: ['job', 'status'] as const,
    registers: [registry],
  })
  const callbacks = new Counter({
    name: 'callbacks_total',
    help: 'Platform callbacks by result',
    labelNames: ['source', 'result'] as const,
    registers: [registry],
  })
  new Gauge({
    name: 'queue_jobs',
    help: 'Durable queue jobs by status',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      const stats = await deps.queue.stats()
      this.reset()
      for (const [status, n] of Object.entries(stats) as [string, number][]) this.set({ status }, n)
    },
  })
  return {
    registry,
    httpDuration,
    jobRuns,
    callbacks,
    middleware(req, res, next) {
      const end = httpDuration.startTimer({ method: req.method })
      res.on('finish', () => {
        // Route patterns, not raw URLs, keep label cardinality bounded.
        const route = req.route?.path
          ? `${req.baseUrl}${String(req.route.path)}`
          : req.baseUrl || (req.path.startsWith('/trpc') ? '/trpc' : 'other')
        end({ route, status: String(res.statusCode) })
      })
      next()
    },
  }
}
