// Refused requests logged in aggregate: at most one warn line per (key prefix, status) per window, carrying the count.
import type { Clock } from '../lib/clock'
import type { Logger } from '../lib/logger'

export interface RefusalLogOptions {
  log: Logger
  clock: Clock
  /** The message of every line, e.g. 'wecom callback refused'. */
  message: string
  windowMs?: number
  /** Distinct (prefix, status) pairs held per window; the rest are counted under prefix '*'. */
  maxEntries?: number
}

interface Entry {
  key: string
  status: number
  count: number
  reason: string
  since: number
}

/**
 * A flood of junk (scanners, a misconfigured proxy, a retired callback URL) would otherwise write one line per
 * request: the lines cost more than the refusals and drown everything else. The first refusal of a window opens it;
 * the window's line is written when a later refusal arrives after it has closed, or when the timer sweeps.
 */
export class RefusalLog {
  private readonly entries = new Map<string, Entry>()
  private readonly windowMs: number
  private readonly maxEntries: number
  private timer: NodeJS.Timeout | null = null

  constructor(private readonly opts: RefusalLogOptions) {
    this.windowMs = opts.windowMs ?? 60_000
    this.maxEntries = opts.maxEntries ?? 200
  }

  record(keyPrefix: string, status: number, reason: string): void {
    const now = this.opts.clock.now()
    this.flush(now)
    let id = `${keyPrefix}\u0000${status}`
    let e = this.entries.get(id)
    if (!e && this.entries.size >= this.maxEntries) {
      keyPrefix = '*'
      id = `*\u0000${status}`
      e = this.entries.get(id)
    }
    if (e) {
      e.count++
      e.reason = reason
      return
    }
    this.entries.set(id, { key: keyPrefix, status, count: 1, reason, since: now })
    this.arm()
  }

  /** Writes the lines of every window that has closed by `now` (all of them with `all`, e.g. at shutdown). */
  flush(now = this.opts.clock.now(), all = false): void {
    for (const [id, e] of this.entries) {
      if (!all && now - e.since < this.windowMs) continue
      this.entries.delete(id)
      this.opts.log.warn(
        { key: e.key, status: e.status, count: e.count, reason: e.reason, windowS: Math.round((now - e.since) / 1000) },
        this.opts.message,
      )
    }
    if (this.entries.size === 0) this.disarm()
  }

  /** Pairs waiting for their line (bounded by maxEntries + one '*' entry per status). */
  get size(): number {
    return this.entries.size
  }

  private arm(): void {
    if (this.timer) return
    // Without it, the last window of a burst would wait for the next refusal, however late.
    this.timer = setInterval(() => this.flush(), this.windowMs)
    this.timer.unref()
  }

  private disarm(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
  }
}
