// Exponential backoff with jitter, shared by the queue's job retries and the platform clients' request retries.

/**
 * How the delay is spread below its ceiling, so that a burst of failures does not retry in lockstep.
 * 'full': uniform in [0, ceiling) — fastest dispersal, for short in-request retries.
 * 'equal': uniform in [ceiling/2, ceiling] — never much shorter than planned, for durable jobs.
 */
export type Jitter = 'full' | 'equal'

export interface Backoff {
  baseMs: number
  maxMs: number
  jitter: Jitter
}

/** Delay before retry number `step` (0 for the first retry): min(max, base·2^step), jittered. */
export function backoffMs(step: number, b: Backoff, random: () => number = Math.random): number {
  const ceiling = Math.min(b.maxMs, b.baseMs * 2 ** Math.max(0, step))
  return b.jitter === 'full' ? Math.floor(random() * ceiling) : Math.round(ceiling / 2 + (random() * ceiling) / 2)
}
