// API 密钥: credentials the calling system signs ingest requests with; created (secret shown once), listed, revoked.
import { randomBytes } from 'node:crypto'
import type { Deps } from '../../deps'
import type { Executor } from '../../db/database'
import { lockOrgRow, writeTransaction } from '../../db/transaction'
import { notFound } from '../../lib/errors'
import type { ApiKeyCreated, ApiKeyView } from '../../../shared/schemas/api-key'
import { findApiKeyById, findDemoApiKey, insertApiKey, listApiKeys, revokeApiKey } from './api-keys.repository'
import type { ApiKeyRow } from './api-keys.table'

const WHAT = 'API 密钥'

function toView(r: ApiKeyRow): ApiKeyView {
  return {
    id: r.id,
    name: r.name,
    keyId: r.key_id,
    isDemo: r.is_demo === 1,
    createdAt: Number(r.created_at),
    lastUsedAt: r.last_used_at === null ? null : Number(r.last_used_at),
    revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
  }
}

export async function createApiKey(
  deps: Deps,
  orgId: number,
  input: { name: string; createdBy?: number | null; demo?: boolean },
  exec: Executor = deps.db,
): Promise<ApiKeyCreated> {
  const keyId = `ak_${randomBytes(10).toString('hex')}`
  const secret = randomBytes(32).toString('hex')
  // Sealed rather than hashed: verifying an HMAC needs the secret itself, so a one-way hash could never check a signature.
  const id = await insertApiKey(exec, {
    org_id: orgId,
    name: input.name,
    key_id: keyId,
    secret_sealed: deps.secrets.seal(secret),
    is_demo: input.demo ? 1 : 0,
    created_by: input.createdBy ?? null,
    created_at: deps.clock.now(),
    last_used_at: null,
    revoked_at: null,
  })
  const row = await findApiKeyById(exec, orgId, id)
  return { ...toView(row!), secret }
}

export async function listApiKeyViews(deps: Deps, orgId: number): Promise<ApiKeyView[]> {
  return (await listApiKeys(deps.db, orgId)).map(toView)
}

export async function revokeKey(deps: Deps, orgId: number, id: number): Promise<ApiKeyView> {
  const row = await findApiKeyById(deps.db, orgId, id)
  if (!row) notFound(WHAT, id)
  await revokeApiKey(deps.db, orgId, id, deps.clock.now())
  return toView((await findApiKeyById(deps.db, orgId, id))!)
}

/** The 模拟外呼 demo's own key (made on first use), with its secret opened for signing. */
export async function demoApiKey(deps: Deps, orgId: number): Promise<{ keyId: string; secret: string }> {
  const existing = await findDemoApiKey(deps.db, orgId)
  if (existing) return { keyId: existing.key_id, secret: deps.secrets.open(existing.secret_sealed) }
  // Under the org's lock, so two first demo runs at once make one key.
  return writeTransaction(deps.db, async (trx) => {
    await lockOrgRow(trx, orgId)
    const again = await findDemoApiKey(trx, orgId)
    if (again) return { keyId: again.key_id, secret: deps.secrets.open(again.secret_sealed) }
    const created = await createApiKey(deps, orgId, { name: '模拟外呼（演示）', demo: true }, trx)
    return { keyId: created.keyId, secret: created.secret }
  })
}
