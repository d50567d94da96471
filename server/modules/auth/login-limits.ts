// Limits on password guesses: the attempt is recorded before the password is checked, then judged with itself counted.
import { RateLimitedError } from '../../lib/errors'
import type { Deps } from '../../deps'
import type { AttemptOutcome } from './auth.table'
import {
  countAttempts,
  deleteAttemptsOf,
  insertAttempt,
  nthNewestAttemptAt,
  purgeAttemptsBefore,
  setAttemptOutcome,
  type AttemptKey,
} from './auth.repository'

export const LOGIN_WINDOW_MS = 15 * 60_000
/** Hard lock of one (username, IP) pair: the 6th attempt within the window is refused. */
export const MAX_FAILURES_PER_USERNAME = 5
/** Hard lock of one IP across usernames. */
export const MAX_FAILURES_PER_IP = 20
/** Failures for a username (from any IP) before each further attempt has to wait. */
export const FREE_FAILURES_PER_USERNAME = 5
export const MAX_DELAY_SEC = 15 * 60

// What each limit counts. Refusals count towards the locks of the pair and the IP that made them (hammering keeps
// one's own lock shut) but never towards the username's delay, so nobody can stretch the owner's wait by knocking.
const PAIR_COUNTS: readonly AttemptOutcome[] = ['pending', 'failed', 'locked']
const IP_COUNTS: readonly AttemptOutcome[] = ['pending', 'failed', 'locked', 'delayed']
const USERNAME_COUNTS: readonly AttemptOutcome[] = ['pending', 'failed']

export interface Attempt {
  id: number
  username: string
  ip: string
}

/** The wait after `failures` failures for one username: none up to 5, then 1 s, 2 s, 4 s … up to 15 minutes. */
export function usernameDelaySec(failures: number): number {
  if (failures < FREE_FAILURES_PER_USERNAME) return 0
  return Math.min(MAX_DELAY_SEC, 2 ** (failures - FREE_FAILURES_PER_USERNAME))
}

/**
 * Records an attempt and throws RateLimitedError if it is over a limit. Concurrent attempts each insert first and
 * count after, so every attempt sees at least all those let through before it: no burst gets more than the limit.
 * `resetAt` is the account's last successful login; the username's delay counts failures after it only.
 */
export async function beginAttempt(
  deps: Pick<Deps, 'db' | 'clock'>,
  a: { username: string; ip: string; resetAt?: number | null },
): Promise<Attempt> {
  const { db } = deps
  const now = deps.clock.now()
  const after = now - LOGIN_WINDOW_MS
  const id = await insertAttempt(db, { username: a.username, ip: a.ip, now })
  const attempt = { id, username: a.username, ip: a.ip }

  const locks: [AttemptKey, readonly AttemptOutcome[], number][] = [
    [{ username: a.username, ip: a.ip }, PAIR_COUNTS, MAX_FAILURES_PER_USERNAME],
    [{ ip: a.ip }, IP_COUNTS, MAX_FAILURES_PER_IP],
  ]
  for (const [key, outcomes, max] of locks) {
    const n = await countAttempts(db, key, outcomes, after)
    if (n <= max) continue
    // Open again once fewer than `max` of these attempts (this one included) are inside the window.
    const at = (await nthNewestAttemptAt(db, key, outcomes, after, max)) ?? now
    const retryAfterSec = Math.max(1, Math.ceil((at + LOGIN_WINDOW_MS - now) / 1000))
    await setAttemptOutcome(db, id, 'locked')
    throw new RateLimitedError(`登录失败次数过多，请 ${Math.ceil(retryAfterSec / 60)} 分钟后再试（${retryAfterSec} 秒）`, retryAfterSec)
  }

  const since = Math.max(after, a.resetAt ?? 0)
  const failures = await countAttempts(db, { username: a.username }, USERNAME_COUNTS, since, id)
  const delaySec = usernameDelaySec(failures)
  if (delaySec > 0) {
    const last = (await nthNewestAttemptAt(db, { username: a.username }, USERNAME_COUNTS, since, 1, id)) ?? now
    const waitMs = last + delaySec * 1000 - now
    if (waitMs > 0) {
      const retryAfterSec = Math.ceil(waitMs / 1000)
      await setAttemptOutcome(db, id, 'delayed')
      throw new RateLimitedError(`该账号近期密码错误次数较多，请 ${retryAfterSec} 秒后再试`, retryAfterSec)
    }
  }
  return attempt
}

/** A wrong password: the attempt stays counted. */
export function attemptFailed(deps: Pick<Deps, 'db'>, attempt: Attempt): Promise<void> {
  return setAttemptOutcome(deps.db, attempt.id, 'failed')
}

/** The right password: this attempt and earlier ones from the same (username, IP) are forgotten; other IPs' are not. */
export function attemptSucceeded(deps: Pick<Deps, 'db'>, attempt: Attempt): Promise<void> {
  return deleteAttemptsOf(deps.db, attempt.username, attempt.ip)
}

/** Housekeeping: every attempt is a row (refusals too), so rows past the window are dropped. For a scheduled job. */
export function purgeExpiredLoginAttempts(deps: Pick<Deps, 'db' | 'clock'>): Promise<number> {
  return purgeAttemptsBefore(deps.db, deps.clock.now() - LOGIN_WINDOW_MS)
}
