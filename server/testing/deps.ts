// Deps for tests: a real database, a hand-moved clock, a silent logger, a real queue.
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig, type Config } from '../config'
import type { DbHandle } from '../db/connect'
import type { Deps } from '../deps'
import { buildDeps } from '../build-deps'
import { ManualClock } from '../lib/clock'
import { silentLogger } from '../lib/logger'
import { Queue } from '../queue/queue'
import type { SessionUser } from '../modules/auth/auth.service'
import { createUser } from '../modules/users/users.service'
import { insertedId } from '../db/dialect'
import type { Role } from '../../shared/enums'

export const TEST_SECRET_KEY = 'test-only-app-secret-key-0123456789'

export function testConfig(overrides: Partial<Config> = {}): Config {
  const base = loadConfig({
    NODE_ENV: 'test',
    APP_SECRET_KEY: TEST_SECRET_KEY,
    DATA_DIR: join(tmpdir(), 'crm-test'),
    LOG_LEVEL: 'silent',
    SANDBOX: '1',
  })
  return { ...base, ...overrides }
}

export function createTestDeps(handle: DbHandle, overrides: Partial<Deps> = {}): Deps & { clock: ManualClock } {
  const clock = (overrides.clock as ManualClock | undefined) ?? new ManualClock()
  const config = overrides.config ?? testConfig()
  const queue = overrides.queue ?? new Queue({ db: handle.db, clock, log: silentLogger, instanceId: 'test' })
  // The scheduler is never started here: tests run jobs on demand through it, as an instance with SCHEDULER=0 does.
  const deps = buildDeps({
    config,
    db: handle.db,
    dialect: handle.kind,
    clock,
    log: silentLogger,
    instanceId: 'test',
    queue,
    tokens: overrides.tokens,
    sandbox: overrides.sandbox,
  })
  return Object.assign(deps, overrides) as Deps & { clock: ManualClock }
}

let orgSeq = 0

/** Creates an org with one user of the given role and returns a session-shaped user for createContextInner. */
export async function createOrgWithUser(
  deps: Deps,
  role: Role = 'org_admin',
  name = `测试机构${++orgSeq}`,
): Promise<{ orgId: number; user: SessionUser }> {
  const now = deps.clock.now()
  const slug = `org-${orgSeq}-${Math.random().toString(36).slice(2, 8)}`
  const orgId = insertedId(
    await deps.db.insertInto('orgs').values({ name, slug, status: 'active', created_at: now, updated_at: now }).executeTakeFirstOrThrow(),
  )
  const username = `${role.replace('_', '')}${orgSeq}${Math.random().toString(36).slice(2, 6)}`
  const { id } = await createUser(deps, role === 'super_admin' ? null : orgId, {
    username,
    displayName: `${name}用户`,
    password: 'password-123',
    role,
  })
  return {
    orgId,
    user: {
      id,
      sessionId: 0,
      username,
      displayName: `${name}用户`,
      role,
      orgId: role === 'super_admin' ? null : orgId,
      orgName: name,
      actingOrgId: orgId,
      actingOrgName: name,
    },
  }
}
