// Environment schema: every setting the server reads, validated once at start-up.
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { z } from 'zod'

const flag = z.enum(['0', '1', 'true', 'false', 'yes', 'no', 'on', 'off', '']).transform((v) => ['1', 'true', 'yes', 'on'].includes(v))

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  // Default depends on NODE_ENV (see loadConfig): the demo's sandbox control API must not face the LAN by accident.
  HOST: z.string().min(1).optional(),
  DATA_DIR: z.string().default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^(mysql:\/\/|sqlite:)/, 'must start with mysql:// or sqlite:')
    .optional(),
  APP_SECRET_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  PUBLIC_BASE_URL: z.url().optional(),
  SANDBOX: flag.optional(),
  ADMIN_USERNAME: z.string().min(3).max(64).default('admin'),
  ADMIN_PASSWORD: z.string().min(8, 'must be at least 8 characters').optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SESSION_TTL_HOURS: z.coerce.number().positive().default(12),
  // Hops of reverse proxies in front of us; `true` is the old spelling of 1. Never "trust all": with an appending proxy
  // that would take the client-supplied left-most X-Forwarded-For as the client address.
  TRUST_PROXY: z
    .string()
    .trim()
    .regex(/^(\d{1,2}|true|false|yes|no|on|off|)$/i, 'must be a hop count (0, 1, 2 …) or true/false')
    .transform((v) => (/^\d+$/.test(v) ? Number(v) : ['true', 'yes', 'on'].includes(v.toLowerCase()) ? 1 : 0))
    .default(0),
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  SANDBOX_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  WECOM_API_BASE: z.url().optional(),
  OA_API_BASE: z.url().optional(),
  OA_OPEN_BASE: z.url().optional(),
  SMS_API_BASE: z.url().optional(),
  SCHEDULER: flag.default(true),
  /** 0: this instance only serves HTTP (no queue workers, no scheduler); another instance does the work. */
  WORKERS: flag.default(true),
  // Jobs mostly wait on WeCom (welcome, detail, mark_tag), so bursts of scans need more than a handful in flight.
  QUEUE_CONCURRENCY: z.coerce.number().int().min(1).max(128).default(16),
  SYNC_CONCURRENCY: z.coerce.number().int().min(1).max(128).default(4),
  // Shared WeCom call budget across instances; without it MySQL holds the budget (SQLite: each process its own).
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
    .optional(),
})

export type Env = z.infer<typeof envSchema>

export interface Config {
  env: Env['NODE_ENV']
  production: boolean
  port: number
  host: string
  dataDir: string
  databaseUrl: string
  appSecretKey: string
  publicBaseUrl: string
  sandbox: boolean
  admin: { username: string; password?: string }
  logLevel: Env['LOG_LEVEL']
  sessionTtlMs: number
  /** Number of trusted reverse-proxy hops (0 = none): the client IP is the address that many hops from the right. */
  trustProxy: number
  /** Bearer token for /metrics; without it /metrics answers loopback requests only. */
  metricsToken: string | null
  /** Token for the sandbox control API from non-loopback clients; null when the sandbox is off. */
  sandboxToken: string | null
  scheduler: boolean
  /** Queue workers run here; false also turns the scheduler off. */
  workers: boolean
  queueConcurrency: number
  /** batch/get_by_user chunks a customer sync fetches at once, under the shared rate limiter. */
  syncConcurrency: number
  /** Base URL of the WeCom API: Tencent in production, the mounted sandbox in the demo. */
  wecomApiBase: string
  /** Base URL of the Official Account API: Tencent (api.weixin.qq.com) in production, the mounted sandbox in the demo. */
  oaApiBase: string
  /** Host of the OA OAuth authorize page (open.weixin.qq.com in production, the sandbox in the demo). */
  oaOpenBase: string
  /** Base URL of the Tencent Cloud SMS API: sms.tencentcloudapi.com in production, the mounted sandbox in the demo. */
  smsApiBase: string
  /** Where instances share the WeCom call budget when set. */
  redisUrl: string | null
}

export class ConfigError extends Error {}

/** Parses the environment; throws a ConfigError naming every invalid variable. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(source)
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`)
    throw new ConfigError(`Invalid environment:\n${lines.join('\n')}`)
  }
  const e = parsed.data
  const production = e.NODE_ENV === 'production'
  const dataDir = resolve(e.DATA_DIR)
  const sandbox = e.SANDBOX ?? !production
  const publicBaseUrl = (e.PUBLIC_BASE_URL ?? `http://127.0.0.1:${e.PORT}`).replace(/\/$/, '')

  let appSecretKey = e.APP_SECRET_KEY
  if (!appSecretKey) {
    if (production) throw new ConfigError('Invalid environment:\n  APP_SECRET_KEY: required in production')
    appSecretKey = demoSecretKey(dataDir)
  }
  return {
    env: e.NODE_ENV,
    production,
    port: e.PORT,
    host: e.HOST ?? (production ? '0.0.0.0' : '127.0.0.1'),
    dataDir,
    databaseUrl: e.DATABASE_URL ?? `sqlite:${join(dataDir, 'crm.sqlite')}`,
    appSecretKey,
    publicBaseUrl,
    sandbox,
    admin: { username: e.ADMIN_USERNAME, password: e.ADMIN_PASSWORD },
    logLevel: e.LOG_LEVEL,
    sessionTtlMs: e.SESSION_TTL_HOURS * 3600_000,
    trustProxy: e.TRUST_PROXY,
    metricsToken: e.METRICS_TOKEN ?? null,
    sandboxToken: sandbox ? (e.SANDBOX_TOKEN ?? demoSandboxToken(dataDir)) : null,
    scheduler: e.SCHEDULER && e.WORKERS,
    workers: e.WORKERS,
    queueConcurrency: e.QUEUE_CONCURRENCY,
    syncConcurrency: e.SYNC_CONCURRENCY,
    redisUrl: e.REDIS_URL ?? null,
    oaApiBase: (e.OA_API_BASE ?? (sandbox ? `${publicBaseUrl}/sandbox/oa` : 'https://api.weixin.qq.com')).replace(/\/$/, ''),
    oaOpenBase: (e.OA_OPEN_BASE ?? (sandbox ? `${publicBaseUrl}/sandbox/oa` : 'https://open.weixin.qq.com')).replace(/\/$/, ''),
    smsApiBase: (e.SMS_API_BASE ?? (sandbox ? `${publicBaseUrl}/sandbox/sms` : 'https://sms.tencentcloudapi.com')).replace(/\/$/, ''),
    wecomApiBase: (e.WECOM_API_BASE ?? (sandbox ? `${publicBaseUrl}/sandbox/wecom` : 'https://qyapi.weixin.qq.com')).replace(/\/$/, ''),
  }
}

/**
 * Settings that run but are probably wrong, for main to log at start. The https check is the one that matters most:
 * behind a proxy without TRUST_PROXY, every client has the proxy's address, so the per-IP login limits lump everyone together.
 */
export function securityWarnings(config: Config): string[] {
  const out: string[] = []
  const https = config.publicBaseUrl.startsWith('https://')
  if (https && config.trustProxy === 0) {
    out.push(
      'PUBLIC_BASE_URL 是 https，但未设置 TRUST_PROXY：经反向代理访问时客户端 IP 是代理地址，登录限流会把所有人算作同一 IP。请设置 TRUST_PROXY=1（代理层数）',
    )
  }
  if (config.production && config.sandbox) out.push('生产模式下启用了沙箱（SANDBOX=1）：/sandbox 对外可见，控制接口需 SANDBOX_TOKEN')
  if (config.sandbox && !isLoopbackHost(config.host)) {
    out.push(`沙箱控制接口在 ${config.host} 上可从局域网访问：非本机请求须带 Authorization: Bearer <SANDBOX_TOKEN>`)
  }
  if (config.production && !config.metricsToken) out.push('未设置 METRICS_TOKEN：/metrics 只接受本机直连请求')
  return out
}

function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host)
}

/** Stable across restarts so a script or a second terminal can keep using it; readable only by the owner. */
function demoSandboxToken(dataDir: string): string {
  const file = join(dataDir, 'sandbox-token.txt')
  const saved = existsSync(file) ? readFileSync(file, 'utf8').trim() : null
  if (saved && saved.length >= 16) return saved
  mkdirSync(dataDir, { recursive: true })
  const token = randomBytes(24).toString('base64url')
  try {
    // 'wx' for a fresh file: when two processes start on one DATA_DIR at once, the first token written is the one both keep.
    writeFileSync(file, token, { mode: 0o600, flag: saved === null ? 'wx' : 'w' })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    return readFileSync(file, 'utf8').trim()
  }
  return token
}

/** The demo keeps a generated key beside its data so secrets stay readable across restarts. */
function demoSecretKey(dataDir: string): string {
  const file = join(dataDir, 'app-secret.key')
  if (existsSync(file)) return readFileSync(file, 'utf8').trim()
  mkdirSync(dataDir, { recursive: true })
  const key = randomBytes(32).toString('base64url')
  writeFileSync(file, key, { mode: 0o600 })
  return key
}
