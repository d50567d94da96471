// Builds the process's Deps from its config and database: one place, used by main.ts, the test deps and the benches.
import { Redis } from 'ioredis'
import type { Config } from './config'
import type { DB } from './db/database'
import type { DbHandle, DialectKind } from './db/connect'
import type { Deps, SandboxControl } from './deps'
import { allJobs } from './jobs/index'
import { Scheduler, type JobDefinition } from './jobs/scheduler'
import type { Clock } from './lib/clock'
import type { Logger } from './lib/logger'
import { SecretBox } from './lib/secret-box'
import { WecomClients } from './modules/wecom-config/wecom-client'
import { OaClients } from './modules/oa-config/oa-client'
import { SmsClients } from './modules/sms-config/sms-client'
import type { RateLimitStore } from './platform/shared-rate-limiter'
import { TokenCenter } from './platform/token-center'
import { createWecomRateLimiter } from './platform/wecom/client'
import { Queue } from './queue/queue'

export interface DepsParts {
  config: Config
  db: DB
  dialect: DialectKind
  clock: Clock
  log: Logger
  instanceId: string
  /** The MySQL pool under `db` (DbHandle.mysql): with it, instances share the WeCom call budget in the database. */
  mysql?: DbHandle['mysql']
  /** Replacements for the defaults (tests pass their own queue or token center). */
  queue?: Queue
  tokens?: TokenCenter
  sandbox?: SandboxControl
  /** Scheduled jobs (default: every job of the product); multi-instance tests run them on a faster schedule. */
  jobs?: JobDefinition[]
}

export function buildDeps(parts: DepsParts): Deps {
  const { config, db, clock, log, instanceId } = parts
  const secrets = new SecretBox(config.appSecretKey)
  const queue = parts.queue ?? new Queue({ db, clock, log, instanceId, concurrency: config.queueConcurrency })
  const tokens = parts.tokens ?? new TokenCenter({ db, clock, secrets, log, instanceId })
  const rateStore = rateLimitStore(config, parts.mysql, log)
  const wecomLimiter = createWecomRateLimiter({ store: rateStore, log })
  const wecom = new WecomClients({ db, secrets, tokens, limiter: wecomLimiter, log, apiBase: config.wecomApiBase })
  const oa = new OaClients({ db, secrets, tokens, log, apiBase: config.oaApiBase })
  const sms = new SmsClients({ db, secrets, apiBase: config.smsApiBase })
  const deps = {
    config,
    db,
    dialect: parts.dialect,
    clock,
    log,
    secrets,
    queue,
    tokens,
    wecomLimiter,
    rateStore,
    wecom,
    oa,
    sms,
    sandbox: parts.sandbox,
  } as Deps
  // The scheduler needs the finished deps (its jobs run with them), so it is the one member set afterwards.
  deps.scheduler = new Scheduler({ deps, jobs: parts.jobs ?? allJobs(), instanceId })
  return deps
}

/**
 * Where the WeCom call budget is counted: Redis when REDIS_URL is set, else the MySQL database; SQLite runs one
 * instance, whose own in-process budget is exact.
 */
function rateLimitStore(config: Config, mysql: DbHandle['mysql'], log: Logger): RateLimitStore | undefined {
  if (config.redisUrl) {
    // No offline queue: while Redis is down a call falls back to the instance budget at once instead of hanging.
    const client = new Redis(config.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1 })
    client.on('error', (err) => log.warn({ err: err.message }, 'redis (shared WeCom call budget) unavailable'))
    return { kind: 'redis', client, close: async () => void (await client.quit().catch(() => client.disconnect())) }
  }
  return mysql ? { kind: 'mysql', pool: mysql.pool, database: mysql.database } : undefined
}
