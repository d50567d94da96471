// A small per-process cache of hot per-org rows read on every callback (contact way by state, welcome templates), short TTL.
//
// Why: a scan burst reads the same few rows for every event; a few seconds of reuse removes those statements. Writes in
// this process call forgetOrg (after they commit); other instances see a change within the TTL. Entries are kept per
// database handle (a WeakMap), so tests that open several databases in one process never share rows.

export interface OrgReadCacheOptions {
  ttlMs?: number
  /** Bound on entries per database: keys come from event input (a state), so the map must not grow with it. */
  maxEntries?: number
}

interface Entry<V> {
  value: V
  expiresAt: number
}

export class OrgReadCache<V> {
  private readonly ttlMs: number
  private readonly maxEntries: number
  private readonly perDb = new WeakMap<object, Map<string, Entry<V>>>()
  /** Bumped by forgetOrg: a load that started before a write must not store what it read. */
  private readonly generations = new WeakMap<object, Map<number, number>>()

  constructor(opts: OrgReadCacheOptions = {}) {
    this.ttlMs = opts.ttlMs ?? 5000
    this.maxEntries = opts.maxEntries ?? 2000
  }

  /**
   * The cached value, or load()'s. `keep` says whether a loaded value may be cached (e.g. not a miss that a write in
   * another instance may fill any moment).
   */
  async get(db: object, orgId: number, key: string, load: () => Promise<V>, keep: (v: V) => boolean = () => true): Promise<V> {
    const map = this.mapOf(db)
    const k = `${orgId}\u0000${key}`
    const now = Date.now()
    const hit = map.get(k)
    if (hit && hit.expiresAt > now) return hit.value
    const gen = this.generationOf(db, orgId)
    const value = await load()
    if (keep(value) && gen === this.generationOf(db, orgId)) {
      map.delete(k)
      if (map.size >= this.maxEntries) {
        // Oldest insertion first (Map order); expired ones go with it.
        const oldest = map.keys().next().value
        if (oldest !== undefined) map.delete(oldest)
      }
      map.set(k, { value, expiresAt: now + this.ttlMs })
    }
    return value
  }

  /** Drops the org's entries; call it after a write to the cached rows has committed. */
  forgetOrg(db: object, orgId: number): void {
    const gens = this.generations.get(db) ?? new Map<number, number>()
    this.generations.set(db, gens)
    gens.set(orgId, (gens.get(orgId) ?? 0) + 1)
    const map = this.perDb.get(db)
    if (!map) return
    const prefix = `${orgId}\u0000`
    for (const k of [...map.keys()]) if (k.startsWith(prefix)) map.delete(k)
  }

  private mapOf(db: object): Map<string, Entry<V>> {
    let map = this.perDb.get(db)
    if (!map) {
      map = new Map()
      this.perDb.set(db, map)
    }
    return map
  }

  private generationOf(db: object, orgId: number): number {
    return this.generations.get(db)?.get(orgId) ?? 0
  }
}
