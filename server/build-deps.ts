// Builds the process's Deps from its config and database: one place, used by main.ts, the test deps and the benches.
import type { Config } from './config'
import type { DB } from './db/database'
import type { DialectKind } from './db/connect'
import type { Deps, SandboxControl } from './deps'
import { allJobs } from './jobs/index'
import { Scheduler, type JobDefinition } from './jobs/scheduler'
import type { Clock } from './lib/clock'
import type { Logger } from './lib/logger'
import { SecretBox } from './lib/secret-box'
import { WecomClients } from './modules/wecom-config/wecom-client'
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
  const wecomLimiter = createWecomRateLimiter()
  const wecom = new WecomClients({ db, secrets, tokens, limiter: wecomLimiter, log, apiBase: config.wecomApiBase })
  const deps = { config, db, dialect: parts.dialect, clock, log, secrets, queue, tokens, wecomLimiter, wecom, sandbox: parts.sandbox } as Deps
  // The scheduler needs the finished deps (its jobs run with them), so it is the one member set afterwards.
  deps.scheduler = new Scheduler({ deps, jobs: parts.jobs ?? allJobs(), instanceId })
  return deps
}
