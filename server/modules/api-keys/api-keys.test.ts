// API 密钥 procedures: the secret shown once and stored sealed, list without secrets, revoke audited and effective, admins only, tenancy.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DbHandle } from '../../db/connect'
import { createOrgWithUser, createTestDeps } from '../../testing/deps'
import { createTestDb } from '../../testing/test-db'
import { callerFor, expectTenantIsolation } from '../../testing/tenant'
import { authenticate, signIngest } from '../ingest/ingest.service'
import { demoApiKey } from './api-keys.service'

let handle: DbHandle
let deps: ReturnType<typeof createTestDeps>

beforeAll(async () => {
  handle = await createTestDb()
  deps = createTestDeps(handle)
})
afterAll(async () => handle?.close())

const signed = (keyId: string, secret: string) => {
  const ts = String(Math.floor(deps.clock.now() / 1000))
  const rawBody = Buffer.from('{"events":[]}')
  return { keyId, timestamp: ts, signature: signIngest(secret, ts, rawBody), rawBody }
}

describe('apiKeys', () => {
  it('creates a key whose secret is returned once, stored sealed, and verifies signatures; revoking stops it', async () => {
    const { orgId, user } = await createOrgWithUser(deps)
    const caller = callerFor(deps, user)
    const created = await caller.apiKeys.create({ name: '外呼系统' })
    expect(created).toMatchObject({
      name: '外呼系统',
      keyId: expect.stringMatching(/^ak_[0-9a-f]{20}$/),
      secret: expect.stringMatching(/^[0-9a-f]{64}$/),
      revokedAt: null,
    })
    const row = await deps.db.selectFrom('api_keys').selectAll().where('id', '=', created.id).executeTakeFirstOrThrow()
    expect(row.secret_sealed).not.toContain(created.secret)
    expect(deps.secrets.open(row.secret_sealed)).toBe(created.secret)
    const list = await caller.apiKeys.list()
    expect(list).toHaveLength(1)
    expect(JSON.stringify(list)).not.toContain(created.secret)
    expect(await authenticate(deps, signed(created.keyId, created.secret))).toMatchObject({ orgId, apiKeyId: created.id })

    deps.clock.advance(1000)
    const revoked = await caller.apiKeys.revoke({ id: created.id })
    expect(revoked.revokedAt).toBe(deps.clock.now())
    await expect(authenticate(deps, signed(created.keyId, created.secret))).rejects.toMatchObject({ code: 'key_revoked', status: 401 })
    const audit = await deps.db
      .selectFrom('audit_log')
      .select(['action', 'input_summary'])
      .where('org_id', '=', orgId)
      .orderBy('id')
      .execute()
    expect(audit.map((a) => a.action)).toEqual(['apiKeys.create', 'apiKeys.revoke'])
    expect(JSON.stringify(audit)).not.toContain(created.secret)
  })

  it('the demo key is made once per org and reused', async () => {
    const { orgId } = await createOrgWithUser(deps)
    const a = await Promise.all([demoApiKey(deps, orgId), demoApiKey(deps, orgId), demoApiKey(deps, orgId)])
    expect(new Set(a.map((k) => k.keyId)).size).toBe(1)
    expect((await demoApiKey(deps, orgId)).keyId).toBe(a[0].keyId)
    expect(await deps.db.selectFrom('api_keys').select('id').where('org_id', '=', orgId).execute()).toHaveLength(1)
  })

  it('members may not see or manage keys', async () => {
    const { user } = await createOrgWithUser(deps, 'org_member')
    const member = callerFor(deps, user)
    await expect(member.apiKeys.list()).rejects.toMatchObject({ code: 'FORBIDDEN' })
    await expect(member.apiKeys.create({ name: 'x' })).rejects.toMatchObject({ code: 'FORBIDDEN' })
  })

  it('tenant isolation: org B can neither list nor revoke org A’s key', async () => {
    await expectTenantIsolation(deps, {
      seed: async (a) => (await a.apiKeys.create({ name: 'A 的密钥' })).id,
      snapshot: (id) => deps.db.selectFrom('api_keys').selectAll().where('id', '=', Number(id)).executeTakeFirst(),
      direct: { revoke: (b, id) => b.apiKeys.revoke({ id: Number(id) }) },
      lists: { list: async (b) => (await b.apiKeys.list()).map((k) => k.id) },
    })
  })
})
