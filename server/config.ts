// Environment schema: every setting the server reads, validated once at start-up.
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { z } from 'zod'

const flag = z
  .enum(['0', '1', 'true', 'false', 'yes', 'no', 'on', 'off', ''])
  .transform((v) => ['1', 'true', 'yes', 'on'].includes(v))

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
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
  TRUST_PROXY: flag.default(false),
  WECOM_API_BASE: z.url().optional(),
  SCHEDULER: flag.default(true),
  // Jobs mostly wait on WeCom (welcome, detail, mark_tag), so bursts of scans need more than a handful in flight.
  QUEUE_CONCURRENCY: z.coerce.number().int().min(1).max(128).default(16),
  // Shared WeCom call budget across instances; without it MySQL holds the budget (SQLite: each process its own).
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must start with redis:// or rediss://').optional(),
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
  trustProxy: boolean
  scheduler: boolean
  queueConcurrency: number
  /** Base URL of the WeCom API: Tencent in production, the mounted sandbox in the demo. */
  wecomApiBase: string
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
    host: e.HOST,
    dataDir,
    databaseUrl: e.DATABASE_URL ?? `sqlite:${join(dataDir, 'crm.sqlite')}`,
    appSecretKey,
    publicBaseUrl,
    sandbox,
    admin: { username: e.ADMIN_USERNAME, password: e.ADMIN_PASSWORD },
    logLevel: e.LOG_LEVEL,
    sessionTtlMs: e.SESSION_TTL_HOURS * 3600_000,
    trustProxy: e.TRUST_PROXY,
    scheduler: e.SCHEDULER,
    queueConcurrency: e.QUEUE_CONCURRENCY,
    redisUrl: e.REDIS_URL ?? null,
    wecomApiBase: (e.WECOM_API_BASE ?? (sandbox ? `${publicBaseUrl}/sandbox/wecom` : 'https://qyapi.weixin.qq.com')).replace(/\/$/, ''),
  }
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
