// Prints what one WeCom call budget slot costs: in process, in MySQL (a pool of 10) and in Redis, sequential and 50 at once.
import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { connectDb } from '../server/db/connect'
import { migrateToLatest } from '../server/db/migrate'
import { RateLimiter } from '../server/platform/rate-limiter'

const MYSQL_URL = (process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306').replace(/\/$/, '')
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379'
const N = 2000
// High enough that no slot is waited for: this measures the bookkeeping, not the budget.
const LIMIT = { perMinute: 100_000_000 }

async function measure(label: string, limiter: RateLimiter) {
  const corp = `bench${randomBytes(3).toString('hex')}`
  let t = performance.now()
  for (let i = 0; i < N; i++) await limiter.acquire(corp, '/cgi-bin/user/get')
  const seq = (performance.now() - t) / N
  t = performance.now()
  for (let i = 0; i < N / 50; i++)
    await Promise.all(Array.from({ length: 50 }, () => limiter.acquire(corp, '/cgi-bin/externalcontact/get')))
  const par = (performance.now() - t) / N
  console.log(`${label.padEnd(8)} sequential ${(seq * 1000).toFixed(0)} µs/slot, 50 at once ${(par * 1000).toFixed(0)} µs/slot`)
}

const mysql = await import('mysql2/promise')
const admin = await mysql.createConnection({ uri: MYSQL_URL })
const name = `crm_bench_rl_${randomBytes(3).toString('hex')}`
await admin.query(`CREATE DATABASE \`${name}\``)
const handle = await connectDb(`${MYSQL_URL}/${name}`)
const redis = new Redis(REDIS_URL)
try {
  await migrateToLatest(handle.db)
  if (redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve))
  await measure('process', new RateLimiter({ limit: LIMIT }))
  await measure('mysql', new RateLimiter({ limit: LIMIT, store: { kind: 'mysql', ...handle.mysql! } }))
  await measure('redis', new RateLimiter({ limit: LIMIT, store: { kind: 'redis', client: redis } }))
} finally {
  redis.disconnect()
  await handle.close()
  await admin.query(`DROP DATABASE \`${name}\``)
  await admin.end()
}
