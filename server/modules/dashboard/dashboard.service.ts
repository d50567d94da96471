// 概览: one read of every panel for the acting org — daily adds/losses, channel and staff rankings, welcome outcomes, callback health, last sync.
import type { Deps } from '../../deps'
import { WELCOME_OUTCOMES, type DashboardInput, type WelcomeOutcome } from '../../../shared/schemas/dashboard'
import { DAY_MS, SHANGHAI_OFFSET_MS } from '../contact-ways/contact-ways.repository'
import {
  callbackStats,
  countAddsByStaff,
  countEndedByDay,
  countEndedByStaff,
  countNewCustomersByDay,
  countWelcomesByStaff,
  findLastSync,
  findStaffNames,
  queueStats,
  rankChannels,
  type Range,
} from './dashboard.repository'

/** Rankings show the top entries only: a clinic reads the leaders, the lists behind the links hold the rest. */
export const RANKING_SIZE = 10

const dayStartOf = (t: number) => t - ((((t + SHANGHAI_OFFSET_MS) % DAY_MS) + DAY_MS) % DAY_MS)
const dayLabel = (dayStart: number) => new Date(dayStart + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10)

/** `days` Beijing days ending with today: [first midnight, tomorrow's midnight). */
export function dashboardRange(now: number, days: number): Range {
  const today = dayStartOf(now)
  return { from: today - (days - 1) * DAY_MS, to: today + DAY_MS }
}

/** A welcome counts as delivered only when sent; expired, already used and failed are the misses a clinic can act on. */
const WELCOME_ATTEMPTED: readonly string[] = ['sent', 'expired', 'already_used', 'failed']

export async function getDashboard(deps: Deps, orgId: number, input: DashboardInput) {
  const range = dashboardRange(deps.clock.now(), input.days)
  const [added, ended, channels, staffAdds, staffEnded, welcomes, callbacks, queue, lastSync] = await Promise.all([
    countNewCustomersByDay(deps.db, orgId, range),
    countEndedByDay(deps.db, orgId, range),
    rankChannels(deps.db, orgId, range, RANKING_SIZE),
    countAddsByStaff(deps.db, orgId, range),
    countEndedByStaff(deps.db, orgId, range),
    countWelcomesByStaff(deps.db, orgId, range),
    callbackStats(deps.db, orgId, range),
    queueStats(deps.db, orgId),
    findLastSync(deps.db, orgId),
  ])

  const addedByDay = new Map(added.map((d) => [d.dayStart, d.n]))
  const lostByDay = new Map<number, number>()
  for (const d of ended) lostByDay.set(d.dayStart, (lostByDay.get(d.dayStart) ?? 0) + d.n)
  const daily = []
  for (let t = range.from; t < range.to; t += DAY_MS) {
    const a = addedByDay.get(t) ?? 0
    const l = lostByDay.get(t) ?? 0
    daily.push({ day: dayLabel(t), dayStart: t, added: a, lost: l, net: a - l })
  }

  const staff = new Map<string, { adds: number; lost: number; welcomeSent: number; welcomeAttempted: number }>()
  const entry = (userid: string) => {
    let e = staff.get(userid)
    if (!e) staff.set(userid, (e = { adds: 0, lost: 0, welcomeSent: 0, welcomeAttempted: 0 }))
    return e
  }
  for (const s of staffAdds) entry(s.userid).adds += s.n
  for (const s of staffEnded) entry(s.userid).lost += s.n
  const outcomes = Object.fromEntries(WELCOME_OUTCOMES.map((o) => [o, 0])) as Record<WelcomeOutcome, number>
  for (const w of welcomes) {
    outcomes[w.status] += w.n
    if (!WELCOME_ATTEMPTED.includes(w.status)) continue
    const e = entry(w.userid)
    e.welcomeAttempted += w.n
    if (w.status === 'sent') e.welcomeSent += w.n
  }
  const top = [...staff.entries()]
    .sort(([ua, a], [ub, b]) => b.adds - a.adds || b.lost - a.lost || ua.localeCompare(ub))
    .slice(0, RANKING_SIZE)
  const names = await findStaffNames(
    deps.db,
    orgId,
    top.map(([u]) => u),
  )

  return {
    days: input.days,
    from: range.from,
    to: range.to,
    daily,
    totals: {
      added: daily.reduce((s, d) => s + d.added, 0),
      lost: daily.reduce((s, d) => s + d.lost, 0),
    },
    channels: channels.map((c) => ({ ...c, retention: c.adds ? c.active / c.adds : null })),
    staff: top.map(([userid, s]) => ({
      userid,
      name: names.get(userid) ?? null,
      adds: s.adds,
      lost: s.lost,
      welcomeSent: s.welcomeSent,
      welcomeAttempted: s.welcomeAttempted,
      welcomeRate: s.welcomeAttempted ? s.welcomeSent / s.welcomeAttempted : null,
    })),
    welcome: outcomes,
    callbacks: { ...callbacks, queue },
    lastSync,
  }
}
