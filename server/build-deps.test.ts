// buildDeps picks where the WeCom call budget is counted: Redis when configured, else MySQL, else the process (SQLite).
import { afterAll, beforeAll, expect, it } from 'vitest'
import { buildDeps } from './build-deps'
import type { DbHandle } from './db/connect'
import { ManualClock } from './lib/clock'
import { silentLogger } from './lib/logger'
import { testConfig } from './testing/deps'
import { createTestDb } from './testing/test-db'

let handle: DbHandle
beforeAll(async () => {
  handle = await createTestDb()
})
afterAll(async () => handle?.close())

const parts = () => ({
  db: handle.db,
  dialect: handle.kind,
  mysql: handle.mysql,
  clock: new ManualClock(),
  log: silentLogger,
  instanceId: 'build-deps-test',
})

it('counts the budget in the database on MySQL and in the process on SQLite', async () => {
  const deps = buildDeps({ config: testConfig(), ...parts() })
  expect(deps.wecomLimiter.scope).toBe(handle.kind === 'mysql' ? 'mysql' : 'process')
  await deps.wecomLimiter.close()
})

it('counts it in Redis when REDIS_URL is set, and close() releases the connection', async () => {
  const deps = buildDeps({ config: testConfig({ redisUrl: 'redis://127.0.0.1:6379' }), ...parts() })
  expect(deps.wecomLimiter.scope).toBe('redis')
  await deps.wecomLimiter.close()
})
