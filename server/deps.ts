// What services need from the outside world, passed in so tests can substitute any of it.
import type { Config } from './config'
import type { DB } from './db/database'
import type { DialectKind } from './db/connect'
import type { Clock } from './lib/clock'
import type { Logger } from './lib/logger'
import type { SecretBox } from './lib/secret-box'
import type { Queue } from './queue/queue'
import type { TokenCenter } from './platform/token-center'
import type { RateLimiter } from './platform/rate-limiter'

export interface Deps {
  config: Config
  db: DB
  dialect: DialectKind
  clock: Clock
  log: Logger
  secrets: SecretBox
  queue: Queue
  /** Platform access tokens, single-flight across instances. */
  tokens: TokenCenter
  /** One WeCom budget per corp and endpoint for the whole process. */
  wecomLimiter: RateLimiter
}
