// How a platform call may spend time: a queue job hands its slot back, an admin's request fails fast and stops when abandoned.
import { AsyncLocalStorage } from 'node:async_hooks'

type CallMode = { kind: 'job' } | { kind: 'interactive'; signal?: AbortSignal }

const mode = new AsyncLocalStorage<CallMode>()

/** Runs `fn` so that a rate-limited call in it surfaces at once (with retryAfterMs) instead of sleeping. */
export function withoutRateWaits<T>(fn: () => Promise<T>): Promise<T> {
  // A job started from inside a request (the worker woken by it) is a job, not that request: the inner mode wins.
  return mode.run({ kind: 'job' }, fn)
}

/**
 * Runs `fn` as something a person waits for: a rate limit surfaces at once with a Chinese "retry in N s", backoff stays
 * short, and once `signal` aborts (the browser left) no further platform attempt starts.
 */
export function asInteractive<T>(signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
  return mode.run({ kind: 'interactive', signal }, fn)
}

export function rateWaitsAllowed(): boolean {
  return mode.getStore() === undefined
}

export function isInteractive(): boolean {
  return mode.getStore()?.kind === 'interactive'
}

/** The abandoned request's signal, if the current call belongs to one. */
export function callSignal(): AbortSignal | undefined {
  const m = mode.getStore()
  return m?.kind === 'interactive' ? m.signal : undefined
}

/** The person who asked has gone: the call stopped before reaching the platform (nothing was sent for this attempt). */
export class CallAbortedError extends Error {
  override name = 'CallAbortedError'
  constructor(readonly endpoint: string) {
    super(`${endpoint}: 请求已取消（页面已关闭或离开），未发送到平台`)
  }
}

/**
 * Runs `fn` as background work even when a request started it (立即同步 returns before its pass ends): it waits out
 * rate limits like any background work and does not stop when that request's browser leaves.
 */
export function detached<T>(fn: () => T): T {
  return mode.exit(fn)
}
