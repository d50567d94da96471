// The Official Account clients of one process, built from the stored (sealed) accounts; held in Deps as deps.oa.
import type { DB } from '../../db/database'
import { PreconditionError } from '../../lib/errors'
import type { Logger } from '../../lib/logger'
import type { SecretBox } from '../../lib/secret-box'
import { createOaClient, type OaClient } from '../../platform/oa/index'
import type { TokenCenter } from '../../platform/token-center'
import { findAccountForOrg, findOwnAccount, tokenOwner, type OaOwner } from './oa-config.repository'
import type { OaAccountRow } from './oa-config.table'

/** Token-center app of every OA access token (per owner: the org, or 0 for the platform's account). */
export const OA_TOKEN_APP = 'oa'

/** A client plus the account facts handlers need beside it. */
export type OrgOaClient = OaClient & { appId: string; accountId: number; platform: boolean }

export interface OaClientsOptions {
  db: DB
  secrets: SecretBox
  tokens: TokenCenter
  log: Logger
  apiBase: string
}

export class OaClients {
  // One entry per owner (an org with its own account, or the platform): bounded by the rows in the database.
  private readonly cache = new Map<string, { id: number; updatedAt: number; client: OaClient }>()

  constructor(private readonly opts: OaClientsOptions) {}

  /** The client of the account the org uses: its own, else the platform's. */
  async for(orgId: number): Promise<OrgOaClient> {
    const row = await findAccountForOrg(this.opts.db, orgId)
    if (!row) throw new PreconditionError('请先在「公众号配置」中完成配置')
    return this.client(row)
  }

  /** The client of exactly this owner's row (null: the platform's account), for the config page and the refresh job. */
  async forOwner(owner: OaOwner): Promise<OrgOaClient> {
    const row = await findOwnAccount(this.opts.db, owner)
    if (!row) throw new PreconditionError('请先在「公众号配置」中完成配置')
    return this.client(row)
  }

  private client(row: OaAccountRow): OrgOaClient {
    const owner = tokenOwner(row.org_id)
    const key = String(owner)
    let entry = this.cache.get(key)
    if (!entry || entry.updatedAt !== row.updated_at || entry.id !== row.id) {
      // Same token key across AppID or secret changes: the cached token of the old account must not be served.
      this.opts.tokens.forget(owner, OA_TOKEN_APP)
      const client = createOaClient({
        baseUrl: this.opts.apiBase,
        orgId: owner,
        appId: row.app_id,
        secret: this.opts.secrets.open(row.app_secret_sealed),
        app: OA_TOKEN_APP,
        tokens: this.opts.tokens,
        log: this.opts.log,
      })
      entry = { id: row.id, updatedAt: row.updated_at, client }
      this.cache.set(key, entry)
    }
    return { ...entry.client, appId: row.app_id, accountId: row.id, platform: row.org_id === null }
  }

  forget(owner: OaOwner): void {
    this.cache.delete(String(tokenOwner(owner)))
  }
}
