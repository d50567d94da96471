// The WeCom client of one org, built from its stored (sealed) configuration.
import { PreconditionError } from '../../lib/errors'
import type { Deps } from '../../deps'
import { createWecomClient, type WecomClient } from '../../platform/wecom/client'
import { findConfigByOrg } from './wecom-config.repository'

export type WecomApp = 'contact' | 'agent'

const cache = new WeakMap<Deps, Map<string, { updatedAt: number; client: WecomClient }>>()

/** The org's client for the customer-contact secret ('contact') or the app-message secret ('agent'). */
export async function getWecomClient(deps: Deps, orgId: number, app: WecomApp = 'contact'): Promise<WecomClient & { corpId: string; agentId: string | null }> {
  const row = await findConfigByOrg(deps.db, orgId)
  if (!row) throw new PreconditionError('请先在「企业微信配置」中完成配置')
  const sealed = app === 'agent' ? (row.agent_secret_sealed ?? row.contact_secret_sealed) : row.contact_secret_sealed
  let perDeps = cache.get(deps)
  if (!perDeps) cache.set(deps, (perDeps = new Map()))
  const key = `${orgId}:${app}`
  let entry = perDeps.get(key)
  if (!entry || entry.updatedAt !== row.updated_at) {
    // The token key does not change with the secret or corp, and saveConfig deletes only the stored tokens: without
    // this, this instance would keep serving the old corp's cached token. Every instance gets here on its next call.
    deps.tokens.forget(orgId, `wecom:${app}`)
    const client = createWecomClient({
      baseUrl: deps.config.wecomApiBase,
      orgId,
      corpId: row.corp_id,
      secret: deps.secrets.open(sealed),
      app: `wecom:${app}`,
      tokens: deps.tokens,
      limiter: deps.wecomLimiter,
      log: deps.log,
    })
    entry = { updatedAt: row.updated_at, client }
    perDeps.set(key, entry)
  }
  return { ...entry.client, corpId: row.corp_id, agentId: row.agent_id }
}
