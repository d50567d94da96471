// Per-endpoint call counters (what benchmarks read) and WeCom's per-minute limit per (corp, endpoint) → 45009.

export interface EndpointCount {
  calls: number
  ok: number
  /** errcode → number of answers with it (injected faults included) */
  errors: Record<string, number>
}

export class Counters {
  private byEndpoint = new Map<string, EndpointCount>()

  hit(endpoint: string): EndpointCount {
    let c = this.byEndpoint.get(endpoint)
    if (!c) this.byEndpoint.set(endpoint, (c = { calls: 0, ok: 0, errors: {} }))
    c.calls++
    return c
  }

  static outcome(c: EndpointCount, errcode: number): void {
    if (errcode === 0) c.ok++
    else c.errors[errcode] = (c.errors[errcode] ?? 0) + 1
  }

  snapshot(): { total: number; endpoints: Record<string, EndpointCount> } {
    const endpoints: Record<string, EndpointCount> = {}
    let total = 0
    for (const [name, c] of [...this.byEndpoint].sort(([a], [b]) => a.localeCompare(b))) {
      endpoints[name] = { calls: c.calls, ok: c.ok, errors: { ...c.errors } }
      total += c.calls
    }
    return { total, endpoints }
  }

  reset(): void {
    this.byEndpoint.clear()
  }
}

/**
 * Fixed one-minute windows on the sandbox clock. WeCom blocks for 60 s once the minute limit is hit,
 * which a fixed window approximates closely enough for clients' backoff logic.
 */
export class RateLimiter {
  private windows = new Map<string, { window: number; count: number }>()

  constructor(public limitPerMinute: number) {}

  /** Counts one call; false when the call is over the limit. */
  take(key: string, nowMs: number): boolean {
    const window = Math.floor(nowMs / 60_000)
    let w = this.windows.get(key)
    if (!w || w.window !== window) {
      if (this.windows.size > 10_000) this.prune(window)
      this.windows.set(key, (w = { window, count: 0 }))
    }
    w.count++
    return w.count <= this.limitPerMinute
  }

  /** Whether the key is already exhausted in this window, without counting (for calls exempt when they succeed). */
  exhausted(key: string, nowMs: number): boolean {
    const w = this.windows.get(key)
    return !!w && w.window === Math.floor(nowMs / 60_000) && w.count >= this.limitPerMinute
  }

  reset(): void {
    this.windows.clear()
  }

  private prune(window: number): void {
    for (const [k, w] of this.windows) if (w.window !== window) this.windows.delete(k)
  }
}
