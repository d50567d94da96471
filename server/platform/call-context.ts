// Whether a platform call may pause inside itself for a rate limit: not inside a queue job, whose slot others wait for.
import { AsyncLocalStorage } from 'node:async_hooks'

const noRateWaits = new AsyncLocalStorage<true>()

/** Runs `fn` so that a rate-limited call in it surfaces at once (with retryAfterMs) instead of sleeping. */
export function withoutRateWaits<T>(fn: () => Promise<T>): Promise<T> {
  return noRateWaits.run(true, fn)
}

export function rateWaitsAllowed(): boolean {
  return noRateWaits.getStore() !== true
}
