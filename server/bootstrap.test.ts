// First start in production: the generated admin password goes to an owner-only file, never into the returned result.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bootstrap, INITIAL_PASSWORD_FILE } from './bootstrap'
import type { DbHandle } from './db/connect'
import { verifyPassword } from './modules/auth/password'
import { createTestDb } from './testing/test-db'
import { createTestDeps, testConfig } from './testing/deps'

let handle: DbHandle
let dataDir: string

beforeAll(async () => {
  handle = await createTestDb()
  dataDir = mkdtempSync(join(tmpdir(), 'crm-boot-'))
})
afterAll(async () => {
  await handle.close()
  rmSync(dataDir, { recursive: true, force: true })
})

async function storedHash(username: string) {
  return (await handle.db.selectFrom('admin_users').select('password_hash').where('username', '=', username).executeTakeFirstOrThrow())
    .password_hash
}

describe('bootstrap', () => {
  it('in production without ADMIN_PASSWORD writes the generated password to a 0600 file and returns only its path', async () => {
    const deps = createTestDeps(handle, { config: testConfig({ production: true, dataDir, admin: { username: 'root-admin' } }) })
    const boot = await bootstrap(deps, { demo: false })
    const file = join(dataDir, INITIAL_PASSWORD_FILE)
    expect(boot.admin).toEqual({ username: 'root-admin', password: null, passwordFile: file, created: true })
    expect(statSync(file).mode & 0o777).toBe(0o600)
    const password = readFileSync(file, 'utf8').trim()
    expect(password.length).toBeGreaterThanOrEqual(20)
    expect(JSON.stringify(boot)).not.toContain(password)
    expect(await verifyPassword(password, await storedHash('root-admin'))).toBe(true)

    // A second start finds the account and says nothing about a password.
    const again = await bootstrap(deps, { demo: false })
    expect(again.admin).toEqual({ username: 'root-admin', password: null, passwordFile: null, created: false })
  })

  it('in production with ADMIN_PASSWORD hands back no password either, and writes no file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crm-boot-'))
    const deps = createTestDeps(handle, {
      config: testConfig({ production: true, dataDir: dir, admin: { username: 'env-admin', password: 'from-the-env-123' } }),
    })
    const boot = await bootstrap(deps, { demo: false })
    expect(boot.admin).toEqual({ username: 'env-admin', password: null, passwordFile: null, created: true })
    expect(() => statSync(join(dir, INITIAL_PASSWORD_FILE))).toThrow()
    expect(await verifyPassword('from-the-env-123', await storedHash('env-admin'))).toBe(true)
    rmSync(dir, { recursive: true, force: true })
  })

  it('the demo still returns its generated password, so the console can say how to log in', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crm-boot-'))
    const deps = createTestDeps(handle, { config: testConfig({ dataDir: dir, admin: { username: 'demo-admin' } }) })
    const boot = await bootstrap(deps, { demo: true })
    expect(boot.admin.password).toBeTruthy()
    expect(boot.demoOrgId).toBeGreaterThan(0)
    expect((await bootstrap(deps, { demo: true })).admin.password).toBe(boot.admin.password)
    rmSync(dir, { recursive: true, force: true })
  })

  it('two instances starting at once on an empty database both come up, with one admin and one demo org', async () => {
    const config = testConfig({ dataDir, admin: { username: 'race-admin', password: 'race-password-1' } })
    const a = createTestDeps(handle, { config })
    const b = createTestDeps(handle, { config })
    const boots = await Promise.all([bootstrap(a, { demo: true }), bootstrap(b, { demo: true }), bootstrap(a, { demo: true })])
    expect(boots.filter((x) => x.admin.created)).toHaveLength(1)
    expect(new Set(boots.map((x) => x.demoOrgId)).size).toBe(1)
    const admins = await handle.db.selectFrom('admin_users').select('id').where('username', '=', 'race-admin').execute()
    expect(admins).toHaveLength(1)
    const orgs = await handle.db.selectFrom('orgs').select('id').where('slug', '=', 'demo-clinic').execute()
    expect(orgs).toHaveLength(1)
  })
})
