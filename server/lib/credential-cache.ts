// A small bounded, briefly-remembering cache of credentials by callback key: hits and misses both expire and the least recently used go first.

export interface CredentialCacheOptions<T> {
  /** Loads the credentials for a key (null when no account has it). */
  load(key: string): Promise<T | null>
  /** Whether a key could be one of ours at all; others are answered null without a lookup or an entry. */
  plausible(key: string): boolean
  now: () => number
  /** How long an answer is trusted: a config change reaches every instance within this. */
  ttlMs?: number
  /** Keys remembered at once: enough for every account of an instance, bounded under a flood of junk keys. */
  max?: number
}

export const CREDENTIAL_CACHE_MAX = 1000

export class CredentialCache<T> {
  private readonly cache = new Map<string, { at: number; value: T | null }>()
  private readonly ttlMs: number
  private readonly max: number

  constructor(private readonly opts: CredentialCacheOptions<T>) {
    this.ttlMs = opts.ttlMs ?? 10_000
    this.max = opts.max ?? CREDENTIAL_CACHE_MAX
  }

  async get(key: string): Promise<T | null> {
    if (!this.opts.plausible(key)) return null
    const hit = this.cache.get(key)
    if (hit && this.opts.now() - hit.at < this.ttlMs) {
      // Map order is insertion order: re-inserting marks the entry as the most recently used.
      this.cache.delete(key)
      this.cache.set(key, hit)
      return hit.value
    }
    const value = await this.opts.load(key)
    this.cache.delete(key)
    this.cache.set(key, { at: this.opts.now(), value })
    while (this.cache.size > this.max) this.cache.delete(this.cache.keys().next().value!)
    return value
  }

  get size(): number {
    return this.cache.size
  }

  forget(key?: string): void {
    if (key) this.cache.delete(key)
    else this.cache.clear()
  }
}
