// Refused callbacks per org, counted in memory and added to callback_refusals every few seconds for 概览's callback health.
import type { Deps } from '../../deps'
import { addCallbackRefusals } from './callbacks.repository'

const FLUSH_MS = 10_000
const DAY_MS = 86_400_000
const BEIJING_OFFSET_MS = 8 * 3600_000

/** The first millisecond of the Beijing day `t` falls in. */
export const beijingDayStart = (t: number) => Math.floor((t + BEIJING_OFFSET_MS) / DAY_MS) * DAY_MS - BEIJING_OFFSET_MS

/**
 * Only refusals on an org's own callback URL are counted (an unknown key names nobody), so the map holds at most one
 * entry per org and day. A flood costs a map increment, not a write; a crash loses at most the last few seconds'
 * counts, which is fine for a health figure.
 */
export class RefusalCounts {
  private pending = new Map<string, { orgId: number; day: number; n: number }>()
  private timer: NodeJS.Timeout | null = null

  constructor(
    private readonly deps: Deps,
    private readonly source: 'wecom' | 'oa',
  ) {}

  note(orgId: number): void {
    const day = beijingDayStart(this.deps.clock.now())
    const id = `${orgId}:${day}`
    const e = this.pending.get(id)
    if (e) e.n++
    else this.pending.set(id, { orgId, day, n: 1 })
    this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS).unref()
  }

  /** Writes what has been counted; counts that fail to write are kept for the next flush. */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    const batch = this.pending
    if (batch.size === 0) return
    this.pending = new Map()
    try {
      await addCallbackRefusals(
        this.deps.db,
        [...batch.values()].map((e) => ({ org_id: e.orgId, day: e.day, source: this.source, refused: e.n })),
      )
    } catch (err) {
      this.deps.log.warn({ err, source: this.source }, 'refused-callback counts not written; kept for the next flush')
      for (const [id, e] of batch) {
        const now = this.pending.get(id)
        if (now) now.n += e.n
        else this.pending.set(id, e)
      }
      this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS).unref()
    }
  }
}
