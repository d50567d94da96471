// Access tokens per (org, app): stored sealed, refreshed single-flight in-process and across instances (DB lease).
import type { Kysely } from 'kysely'
import type { Database } from '../db/database'
import { releaseLease, tryAcquireLease } from '../db/lease'
import type { Clock } from '../lib/clock'
import type { Logger } from '../lib/logger'
import type { SecretBox } from '../lib/secret-box'
import { realSleep, type Sleep } from './http'
import { deleteTokenIfUnchanged, findToken, listTokensExpiringBefore, saveToken } from './token.repository'

export type TokenFetcher = () => Promise<{ token: string; /** seconds */ expiresIn: number }>

export interface TokenCenterOptions {
  db: Kysely<Database>
  clock: Clock
  secrets: SecretBox
  log: Logger
  /** Distinguishes this process in the lease table. */
  instanceId: string
  /** A token this close to expiry counts as expired, so a call never starts with a token about to die. */
  marginMs?: number
  /** Must outlive the slowest fetch (gettoken with its own retries), or a second instance fetches too. */
  leaseTtlMs?: number
  /** How often an instance that lost the lease re-reads the row. */
  pollMs?: number
  /**
   * After a fetch, the token is used while it is valid at all (margin or not) for this long before the platform is
   * asked again. WeCom hands back the same token until it expires (so does the sandbox, with the remaining lifetime),
   * so inside the margin every call would otherwise fetch again: a gettoken per API call for the last minutes.
   */
  refetchCooldownMs?: number
  sleep?: Sleep
}

export interface GetTokenOptions {
  /** Refresh unless the stored token stays valid this long (the refresh job passes its look-ahead). */
  minValidityMs?: number
}

export interface ExpiringToken {
  orgId: number
  app: string
  expiresAt: number
}

interface Stored {
  id: number
  token: string
  sealed: string
  expiresAt: number
  refreshedAt: number
}

/** What freshness is judged on, for a cached entry and a stored row alike. */
interface Lifetime {
  expiresAt: number
  refreshedAt: number
}

export class TokenCenter {
  private readonly db: Kysely<Database>
  private readonly clock: Clock
  private readonly secrets: SecretBox
  private readonly log: Logger
  private readonly instanceId: string
  private readonly marginMs: number
  private readonly leaseTtlMs: number
  private readonly pollMs: number
  private readonly refetchCooldownMs: number
  private readonly sleep: Sleep
  private readonly cache = new Map<string, Lifetime & { token: string }>()
  private readonly inflight = new Map<string, Promise<string>>()
  /** Per key, the last token the platform refused: one entry per (org, app), so bounded by the stored rows. */
  private readonly refused = new Map<string, string>()

  constructor(opts: TokenCenterOptions) {
    this.db = opts.db
    this.clock = opts.clock
    this.secrets = opts.secrets
    this.log = opts.log
    this.instanceId = opts.instanceId
    this.marginMs = opts.marginMs ?? 5 * 60_000
    this.leaseTtlMs = opts.leaseTtlMs ?? 60_000
    this.pollMs = opts.pollMs ?? 50
    this.refetchCooldownMs = opts.refetchCooldownMs ?? 60_000
    this.sleep = opts.sleep ?? realSleep
  }

  /** A token valid for at least the margin, fetching a new one (once across all instances) if needed. */
  async get(orgId: number, app: string, fetcher: TokenFetcher, opts: GetTokenOptions = {}): Promise<string> {
    const key = cacheKey(orgId, app)
    const minValidity = Math.max(this.marginMs, opts.minValidityMs ?? 0)
    const cached = this.cache.get(key)
    if (cached && this.isFresh(cached, minValidity)) return cached.token
    // Joining a refresh that is already running is safe for any minValidity: it yields the newest token there is,
    // unless it read the stored row before a call saw that token refused; then this caller needs a refresh of its own.
    const running = this.inflight.get(key)
    if (running) {
      const token = await running
      if (this.refused.get(key) !== token) return token
      if (this.inflight.get(key) === running) this.inflight.delete(key)
      return this.get(orgId, app, fetcher, opts)
    }
    const refresh = this.obtain(orgId, app, fetcher, minValidity).finally(() => {
      if (this.inflight.get(key) === refresh) this.inflight.delete(key)
    })
    this.inflight.set(key, refresh)
    return refresh
  }

  /**
   * Forgets `failedToken` after the platform rejected it. Only that exact token is removed, so when many
   * calls fail with the same token, the first one clears it and the rest see the replacement (or nothing).
   */
  async invalidate(orgId: number, app: string, failedToken: string): Promise<boolean> {
    const key = cacheKey(orgId, app)
    // Remembered so that a read racing this one (here or on a peer not yet done deleting it) cannot bring it back.
    this.refused.set(key, failedToken)
    if (this.cache.get(key)?.token === failedToken) this.cache.delete(key)
    const row = await this.read(orgId, app)
    if (!row || row.token !== failedToken) return false
    const deleted = await deleteTokenIfUnchanged(this.db, row.id, row.sealed)
    if (deleted) this.log.info({ orgId, app }, 'platform token invalidated')
    return deleted
  }

  /**
   * Drops this instance's cached token without touching the stored row, for when the credentials behind the key
   * changed (the stored row is deleted with the change; the cache would otherwise serve the old token until expiry).
   */
  forget(orgId: number, app: string): void {
    this.cache.delete(cacheKey(orgId, app))
  }

  /** Stored tokens that expire within `ms` from now, for the refresh job. */
  async expiringWithin(ms: number): Promise<ExpiringToken[]> {
    const rows = await listTokensExpiringBefore(this.db, this.clock.now() + ms)
    return rows.map((r) => ({ orgId: Number(r.org_id), app: r.app, expiresAt: Number(r.expires_at) }))
  }

  private async obtain(orgId: number, app: string, fetcher: TokenFetcher, minValidity: number): Promise<string> {
    const lease = `token:${orgId}:${app}`
    // Waiting longer than two lease lifetimes means the lease table or the clock is broken, not that a peer is slow.
    const maxPolls = Math.ceil((2 * this.leaseTtlMs) / this.pollMs)
    for (let polls = 0; ; polls++) {
      const row = await this.read(orgId, app)
      if (row && this.usable(orgId, app, row, minValidity)) return this.remember(orgId, app, row)
      if (await tryAcquireLease(this.db, lease, this.instanceId, this.leaseTtlMs, this.clock.now())) {
        try {
          // A peer may have stored a token between our read and our lease.
          const again = await this.read(orgId, app)
          if (again && this.usable(orgId, app, again, minValidity)) return this.remember(orgId, app, again)
          return await this.fetchAndStore(orgId, app, fetcher)
        } finally {
          await releaseLease(this.db, lease, this.instanceId, this.clock.now())
        }
      }
      if (polls >= maxPolls) throw new Error(`gave up waiting for another instance to refresh the ${app} token of org ${orgId}`)
      await this.sleep(this.pollMs)
    }
  }

  private async fetchAndStore(orgId: number, app: string, fetcher: TokenFetcher): Promise<string> {
    const { token, expiresIn } = await fetcher()
    if (!token || !(expiresIn > 0)) throw new Error(`token fetcher for ${app} returned no usable token`)
    const now = this.clock.now()
    const expiresAt = now + expiresIn * 1000
    await saveToken(this.db, { orgId, app, sealed: this.secrets.seal(token), expiresAt, refreshedAt: now })
    // What the platform hands out now is the newest token there is, even one refused before (WeCom repeats tokens).
    if (this.refused.get(cacheKey(orgId, app)) === token) this.refused.delete(cacheKey(orgId, app))
    this.cache.set(cacheKey(orgId, app), { token, expiresAt, refreshedAt: now })
    this.log.info({ orgId, app, expiresAt }, 'platform token refreshed')
    // Returned even if expiresIn is shorter than the margin: it is the newest token there is, and still valid.
    return token
  }

  /** A stored token is taken unless it is stale or a call of ours has just seen the platform refuse it. */
  private usable(orgId: number, app: string, row: Stored, minValidity: number): boolean {
    return this.isFresh(row, minValidity) && this.refused.get(cacheKey(orgId, app)) !== row.token
  }

  private isFresh(t: Lifetime, minValidity: number): boolean {
    const now = this.clock.now()
    if (t.expiresAt - minValidity > now) return true
    // Just fetched: asking again this soon gets the same token back. A call that outlives it gets 42001 and renews.
    return now - t.refreshedAt < this.refetchCooldownMs && t.expiresAt > now
  }

  private remember(orgId: number, app: string, row: Stored): string {
    this.cache.set(cacheKey(orgId, app), { token: row.token, expiresAt: row.expiresAt, refreshedAt: row.refreshedAt })
    return row.token
  }

  private async read(orgId: number, app: string): Promise<Stored | undefined> {
    const row = await findToken(this.db, orgId, app)
    if (!row) return undefined
    try {
      return {
        id: Number(row.id),
        token: this.secrets.open(row.token_sealed),
        sealed: row.token_sealed,
        expiresAt: Number(row.expires_at),
        refreshedAt: Number(row.refreshed_at),
      }
    } catch (err) {
      // Sealed under another APP_SECRET_KEY: unusable, so behave as if absent and let a refresh overwrite it.
      this.log.warn({ orgId, app, err: (err as Error).message }, 'stored platform token cannot be opened')
      return undefined
    }
  }
}

const cacheKey = (orgId: number, app: string) => `${orgId}\u0000${app}`
