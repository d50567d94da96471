// The per-org WeCom clients of one process, built from each org's stored (sealed) configuration; held in Deps as deps.wecom.
import type { DB } from '../../db/database'
import { PreconditionError } from '../../lib/errors'
import type { Logger } from '../../lib/logger'
import type { SecretBox } from '../../lib/secret-box'
import type { RateLimiter } from '../../platform/rate-limiter'
import type { TokenCenter } from '../../platform/token-center'
import { createWecomClient, type WecomClient, type WecomClientOptions } from '../../platform/wecom/client'
import { findConfigByOrg } from './wecom-config.repository'

type ConfigRow = NonNullable<Awaited<ReturnType<typeof findConfigByOrg>>>

export type WecomApp = 'contact' | 'agent'

/** A client plus the ids handlers need beside it. */
export type OrgWecomClient = WecomClient & { corpId: string; agentId: string | null }

export interface WecomClientsOptions {
  db: DB
  secrets: SecretBox
  tokens: TokenCenter
  limiter: RateLimiter
  log: Logger
  apiBase: string
  /** Call settings for every client built here (timeouts, retry and rate-limit pauses); the defaults suit production. */
  call?: Partial<Pick<WecomClientOptions, 'timeoutMs' | 'retry' | 'rateLimitWaitMs' | 'maxRateLimitWaits'>>
  /** How long the org's config row is reused before it is read again (a save in another instance shows after this). */
  configTtlMs?: number
}

const CONFIG_TTL_MS = 5000

export class WecomClients {
  // One entry per (org, app): bounded by the orgs in the database, never by request input.
  private readonly cache = new Map<string, { updatedAt: number; client: WecomClient }>()

  /** The config row per org, read once per TTL instead of on every call (every event asks for a client 2–3 times). */
  private readonly rows = new Map<number, { row: ConfigRow; expiresAt: number }>()
  /** Bumped by forget: a read that began before a save must not be kept. */
  private generation = 0

  constructor(private readonly opts: WecomClientsOptions) {}

  private async configRow(orgId: number): Promise<ConfigRow | undefined> {
    const now = Date.now()
    const hit = this.rows.get(orgId)
    if (hit && hit.expiresAt > now) return hit.row
    const gen = this.generation
    const row = await findConfigByOrg(this.opts.db, orgId)
    // A missing config is not kept: saving one must take effect at once.
    if (row && gen === this.generation) this.rows.set(orgId, { row, expiresAt: now + (this.opts.configTtlMs ?? CONFIG_TTL_MS) })
    else this.rows.delete(orgId)
    return row
  }

  /** The org's client for the customer-contact secret ('contact') or the app-message secret ('agent'). */
  async for(orgId: number, app: WecomApp = 'contact'): Promise<OrgWecomClient> {
    const row = await this.configRow(orgId)
    if (!row) throw new PreconditionError('请先在「企业微信配置」中完成配置')
    const sealed = app === 'agent' ? (row.agent_secret_sealed ?? row.contact_secret_sealed) : row.contact_secret_sealed
    const key = `${orgId}:${app}`
    let entry = this.cache.get(key)
    if (!entry || entry.updatedAt !== row.updated_at) {
      // The token key does not change with the secret or corp, and saveConfig deletes only the stored tokens: without
      // this, this instance would keep serving the old corp's cached token. Every instance gets here on its next call.
      this.opts.tokens.forget(orgId, `wecom:${app}`)
      const client = createWecomClient({
        baseUrl: this.opts.apiBase,
        orgId,
        corpId: row.corp_id,
        secret: this.opts.secrets.open(sealed),
        app: `wecom:${app}`,
        tokens: this.opts.tokens,
        limiter: this.opts.limiter,
        log: this.opts.log,
        ...this.opts.call,
      })
      entry = { updatedAt: row.updated_at, client }
      this.cache.set(key, entry)
    }
    return { ...entry.client, corpId: row.corp_id, agentId: row.agent_id }
  }

  /** Drops the org's clients (config saved or org removed); the next call builds them afresh. */
  forget(orgId: number): void {
    this.generation++
    this.rows.delete(orgId)
    for (const app of ['contact', 'agent'] as const) this.cache.delete(`${orgId}:${app}`)
  }
}
