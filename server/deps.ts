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
import type { JobScheduler } from './jobs/job-scheduler'
import type { WecomClients } from './modules/wecom-config/wecom-client'
import type { OaClients } from './modules/oa-config/oa-client'
import type { SmsClients } from './modules/sms-config/sms-client'
import type { Control } from './sandbox/index'
import type { RateLimitStore } from './platform/shared-rate-limiter'

/** What the product asks of an in-process sandbox: a customer who scans a QR code (模拟扫码), staff confirming a broadcast (模拟确认). */
export type SandboxControl = Pick<Control, 'scan' | 'confirmGroupMsg'>

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
  /** Where limits shared by every instance are counted (Redis or the MySQL database); absent on SQLite (one instance). */
  rateStore?: RateLimitStore
  /** Each org's WeCom clients: `deps.wecom.for(orgId, app)`. */
  wecom: WecomClients
  /** The Official Account client an org uses (its own account, else the platform's): `deps.oa.for(orgId)`. */
  oa: OaClients
  /** Each org's Tencent Cloud SMS client with its code template: `deps.sms.for(orgId)`. */
  sms: SmsClients
  /** The scheduled jobs; started only where SCHEDULER is on, but able to run a job on demand everywhere. */
  scheduler: JobScheduler
  /** The in-process sandbox's control API (demo and tests); absent in production. */
  sandbox?: SandboxControl
}
