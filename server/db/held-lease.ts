// Runs work while holding a named lease in job_locks: waits with short polls while another holder has it, renews it meanwhile.
import type { Logger } from '../lib/logger'
import type { DB } from './database'
import { releaseLease, renewLease, tryAcquireLease } from './lease'

export interface HeldLeaseOptions {
  /** Unique per holding: a lease lets its own owner re-enter, so two holdings must not share one. */
  owner: string
  /** How long the lease outlives a holder that stops renewing it (a crashed instance). */
  ttlMs: number
  pollMs: number
  /** Waiting longer than this means the holder is stuck; `busy()` is thrown. */
  maxWaitMs: number
  now: () => number
  log: Logger
  busy: () => Error
  sleep?: (ms: number) => Promise<void>
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

export async function withHeldLease<T>(db: DB, name: string, o: HeldLeaseOptions, fn: () => Promise<T>): Promise<T> {
  const sleep = o.sleep ?? realSleep
  // Counted in polls, not by the clock, so a test clock that stands still cannot make this wait forever.
  const maxPolls = Math.ceil(o.maxWaitMs / o.pollMs)
  for (let polls = 0; !(await tryAcquireLease(db, name, o.owner, o.ttlMs, o.now())); polls++) {
    if (polls >= maxPolls) throw o.busy()
    await sleep(o.pollMs)
  }
  const renew = setInterval(
    () => {
      renewLease(db, name, o.owner, o.ttlMs, o.now())
        .then((held) => held || o.log.warn({ lease: name }, 'lease lost while held; another holder may run meanwhile'))
        .catch((err) => o.log.error({ err, lease: name }, 'renewing a lease failed'))
    },
    Math.max(1000, Math.floor(o.ttlMs / 3)),
  )
  renew.unref()
  try {
    return await fn()
  } finally {
    clearInterval(renew)
    // If this fails the lease simply expires after its TTL.
    await releaseLease(db, name, o.owner, o.now()).catch((err) => o.log.error({ err, lease: name }, 'releasing a lease failed'))
  }
}
