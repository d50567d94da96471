// The scene rules: an ingest event (queue kind notify.event) becomes state changes and, when a rule fires, notifications.
import type { Deps } from '../../deps'
import type { Executor } from '../../db/database'
import { fromJson, toJson } from '../../db/dialect'
import { lockOrgRow, writeTransaction } from '../../db/transaction'
import { PermanentJobError } from '../../queue/queue'
import { ingestEvent, type CallResultEvent, type IngestEvent } from '../../../shared/ingest-events'
import type { NotifyEventPayload, NotifyEventsPayload } from '../ingest/notify-event-job'
import { findFacts, setFacts } from './notifications.repository'
import { raiseContext, raiseManyInTransaction, type RaiseContext, type RaiseInput } from './notifications.service'
import { beijingDate } from './scene-texts'

// The job the ingest side enqueues for every accepted event: one definition for both sides.
export { NOTIFY_EVENT_JOB, NOTIFY_EVENTS_JOB } from '../ingest/notify-event-job'
export type { NotifyEventPayload, NotifyEventsPayload } from '../ingest/notify-event-job'

/** What routing decided for an intent call, resolved before the state transaction (it keeps its own round-robin state). */
export interface IntentDecision {
  raise: RaiseInput
  /**
   * Idempotent work of its own (加入CRM: the lead, once per call), run before the state transaction: a failure there
   * retries the whole event, while after it the processed-event fact would skip it for good.
   */
  prepare?: () => Promise<void>
}

/**
 * Hook for the 意向客户 scene (push-config routing), given a batch of intent calls, answering in the same order;
 * absent → intent calls only count for the other rules.
 */
export type IntentRouter = (
  deps: Deps,
  orgId: number,
  calls: readonly { event: CallResultEvent; eventId: number }[],
) => Promise<(IntentDecision | null)[]>

interface RunState {
  /** called_at of the hits in the current run, ascending */
  times: number[]
  alerts: number
  /** called_at of the latest call that ended a run */
  breakAt: number
  /** called_at of the last call an alert covered */
  alertedUntil: number
}
const EMPTY_RUN: RunState = { times: [], alerts: 0, breakAt: 0, alertedUntil: 0 }

interface BatchState {
  total: number | null
  createdAt: number | null
  done: number
}

export interface BalanceState {
  balance: number
  /** epoch ms of the event the balance came from: an older event arriving later changes nothing. */
  at: number
  below: boolean
  /** Counts the times the balance went below: the key of each "once immediately" alert. */
  episode: number
  /** Beijing date of the last low-balance alert. */
  lastAlertDay: string | null
}

export const FACT_BALANCE = 'balance'
export const FACT_EXPIRY = 'expiry'

const ms = (iso: string) => Date.parse(iso)

/** One event, exactly once per event id (the single-event job kind, kept for jobs queued before batching). */
export async function handleNotifyEvent(deps: Deps, payload: NotifyEventPayload, intentRouter?: IntentRouter): Promise<void> {
  if (!ingestEvent.safeParse(payload.event).success) throw new PermanentJobError(`notify.event ${payload.eventId}: invalid event`)
  await handleNotifyEvents(deps, { orgId: payload.orgId, events: [{ eventId: payload.eventId, event: payload.event }] }, intentRouter)
}

const isIntentCall = (e: IngestEvent): e is CallResultEvent =>
  e.type === 'call_result' && !!e.intention_level && !['F', 'W'].includes(e.result_class)

/**
 * Events exactly once per event id: the org's row lock serialises its rules across instances, the processed-event
 * facts make a replayed job a no-op, and each alert's dedupe key makes it once even if the rules were to fire twice.
 * A batch takes the lock once, reads the facts it needs in one query, applies the events in order on that state and
 * writes back only what changed, so its cost is a few statements per batch instead of ~20 per event.
 */
export async function handleNotifyEvents(deps: Deps, payload: NotifyEventsPayload, intentRouter?: IntentRouter): Promise<void> {
  const { orgId } = payload
  const items: { eventId: number; event: IngestEvent }[] = []
  for (const it of payload.events) {
    const parsed = ingestEvent.safeParse(it.event)
    if (parsed.success) items.push({ eventId: it.eventId, event: parsed.data })
    else deps.log.warn({ orgId, eventId: it.eventId }, 'notify.events: invalid event skipped')
  }
  const processedKey = (eventId: number) => `event:${eventId}`
  const done = await findFacts(
    deps.db,
    orgId,
    items.map((i) => processedKey(i.eventId)),
  )
  const todo = items.filter((i) => !done.has(processedKey(i.eventId)))
  if (todo.length === 0) return

  const decisions = new Map<number, IntentDecision>()
  const calls = todo.flatMap((i) => (isIntentCall(i.event) ? [{ event: i.event, eventId: i.eventId }] : []))
  if (intentRouter && calls.length > 0) {
    const routed = await intentRouter(deps, orgId, calls)
    calls.forEach((c, k) => {
      if (routed[k]) decisions.set(c.eventId, routed[k])
    })
  }
  for (const d of decisions.values()) if (d.prepare) await d.prepare()
  const ctx = await raiseContext(deps, orgId)
  await writeTransaction(deps.db, async (trx) => {
    await lockOrgRow(trx, orgId)
    // Again under the lock: another worker may have finished some of these meanwhile.
    const seen = await findFacts(
      trx,
      orgId,
      todo.map((i) => processedKey(i.eventId)),
    )
    const fresh = todo.filter((i) => !seen.has(processedKey(i.eventId)))
    if (fresh.length === 0) return
    const facts = new FactCache(trx, orgId)
    for (const i of fresh) facts.set(processedKey(i.eventId), '1')
    await facts.load(fresh.flatMap((i) => factKeysOf(i.event)))
    const raises: RaiseInput[] = []
    const state: RuleState = { deps, ctx, facts, raise: (input) => raises.push(input) }
    for (const i of fresh) {
      await applyEvent(state, i.event, i.eventId)
      const decision = decisions.get(i.eventId)
      if (decision) raises.push(decision.raise)
    }
    await facts.flush(deps.clock.now())
    await raiseManyInTransaction(deps, trx, ctx, raises)
  })
}

/** The facts an event's rules read, loaded for the whole batch at once. */
function factKeysOf(event: IngestEvent): string[] {
  switch (event.type) {
    case 'call_result':
      return ['run:F', `run:W:${event.line_id}`, `batch:${event.batch_id}`, `batch:${event.batch_id}:n:${event.phone}`]
    case 'batch_created':
      return [`batch:${event.batch_id}`]
    case 'balance':
    case 'recharge':
      return [FACT_BALANCE]
    case 'account':
      return []
  }
}

/**
 * The org's facts as this transaction sees them (it holds the org lock): read once, changed in memory, written back in
 * one upsert per 500 changed keys. A key not loaded up front is read on first use.
 */
class FactCache {
  private readonly values = new Map<string, string | undefined>()
  private readonly dirty = new Set<string>()
  constructor(
    private readonly trx: Executor,
    private readonly orgId: number,
  ) {}

  async load(keys: readonly string[]): Promise<void> {
    const missing = [...new Set(keys)].filter((k) => !this.values.has(k))
    if (missing.length === 0) return
    const found = await findFacts(this.trx, this.orgId, missing)
    for (const k of missing) this.values.set(k, found.get(k))
  }

  async get(key: string): Promise<string | undefined> {
    if (!this.values.has(key)) await this.load([key])
    return this.values.get(key)
  }

  set(key: string, value: string): void {
    this.values.set(key, value)
    this.dirty.add(key)
  }

  /** True when the key was absent (the "first one wins" of a once-only step). */
  async insertOnce(key: string, value: string): Promise<boolean> {
    if ((await this.get(key)) !== undefined) return false
    this.set(key, value)
    return true
  }

  async flush(now: number): Promise<void> {
    const changed = new Map<string, string>()
    for (const k of this.dirty) changed.set(k, this.values.get(k)!)
    await setFacts(this.trx, this.orgId, changed, now)
    this.dirty.clear()
  }
}

interface RuleState {
  deps: Deps
  ctx: RaiseContext
  facts: FactCache
  /** Collects a notification; they are raised together after the batch's rules ran. */
  raise: (input: RaiseInput) => void
}

async function applyEvent(st: RuleState, event: IngestEvent, eventId: number): Promise<void> {
  const { ctx, facts } = st
  switch (event.type) {
    case 'call_result': {
      const at = ms(event.called_at)
      const { unansweredRun, lineErrorRun } = ctx.settings.thresholds
      await countRun(st, 'run:F', event.result_class === 'F', at, unansweredRun, 'unanswered_run')
      await countRun(st, `run:W:${event.line_id}`, event.result_class === 'W', at, lineErrorRun, 'line_error')
      await countBatchNumber(st, event.batch_id, event.phone)
      return
    }
    case 'batch_created': {
      const key = `batch:${event.batch_id}`
      const state = fromJson<BatchState>(await facts.get(key), { total: null, createdAt: null, done: 0 })
      const next = { ...state, total: event.total, createdAt: ms(event.created_at) }
      facts.set(key, toJson(next))
      checkBatchComplete(st, event.batch_id, next)
      return
    }
    case 'balance':
      await applyBalance(st, event.balance, ms(event.at))
      return
    case 'recharge':
      st.raise({
        scene: 'recharge',
        dedupeKey: `recharge:${eventId}`,
        vars: { amount: event.amount, balance: event.balance },
      })
      await applyBalance(st, event.balance, ms(event.at))
      return
    case 'account':
      facts.set(FACT_EXPIRY, toJson({ expiresAt: ms(event.expires_at) }))
      return
  }
}

/**
 * A run of consecutive results of one kind, in call order (called_at), although events arrive in any order and are
 * handled concurrently. The state keeps the call times of the current run (at most `threshold` of them), the latest
 * call that broke a run and the last call an alert covered: a hit older than either belongs to a run already ended
 * or alerted; a late break drops the hits before it. Reaching the threshold raises the alert and starts from zero,
 * so the next alert is about calls after the ones already alerted.
 */
async function countRun(
  st: RuleState,
  key: string,
  hit: boolean,
  calledAt: number,
  threshold: number,
  scene: 'unanswered_run' | 'line_error',
): Promise<void> {
  const stored = await st.facts.get(key)
  if (!hit && stored === undefined) return
  const s = { ...EMPTY_RUN, ...fromJson<Partial<RunState>>(stored, {}) }
  let next: RunState
  if (!hit) {
    if (calledAt <= s.breakAt) return
    next = { ...s, breakAt: calledAt, times: s.times.filter((t) => t > calledAt) }
  } else {
    if (calledAt <= s.breakAt || calledAt <= s.alertedUntil) return
    const times = [...s.times, calledAt].sort((a, b) => a - b)
    next = { ...s, times }
    if (times.length >= threshold) {
      next = { ...s, times: [], alerts: s.alerts + 1, alertedUntil: times[times.length - 1] }
      st.raise({ scene, dedupeKey: `${key}:${next.alerts}`, vars: { run: threshold } })
    }
  }
  st.facts.set(key, toJson(next))
}

/** Each number of a batch counts once (a redial of the same number is no new result). */
async function countBatchNumber(st: RuleState, batchId: string, phone: string): Promise<void> {
  if (!(await st.facts.insertOnce(`batch:${batchId}:n:${phone}`, '1'))) return
  const key = `batch:${batchId}`
  const state = fromJson<BatchState>(await st.facts.get(key), { total: null, createdAt: null, done: 0 })
  const next = { ...state, done: state.done + 1 }
  st.facts.set(key, toJson(next))
  checkBatchComplete(st, batchId, next)
}

function checkBatchComplete(st: RuleState, batchId: string, s: BatchState): void {
  if (s.total === null || s.done < s.total) return
  st.raise({
    scene: 'task_complete',
    dedupeKey: `task_complete:${batchId}`,
    vars: { total: s.total, batch_at: s.createdAt ?? undefined },
  })
}

/** A new balance: below the threshold → one alert now (per time it goes below); back above → the rule resets. */
async function applyBalance(st: RuleState, balance: number, at: number): Promise<void> {
  const state = fromJson<BalanceState>(await st.facts.get(FACT_BALANCE), {
    balance,
    at: 0,
    below: false,
    episode: 0,
    lastAlertDay: null,
  })
  if (at < state.at) return
  const next = balanceRule(st.deps, st.ctx, { ...state, balance, at }, 'now', st.raise)
  st.facts.set(FACT_BALANCE, toJson(next))
}

/**
 * The 余额不足 rule on a state: 'now' alerts when the balance has just gone below; 'daily' (09:00) alerts while it
 * stays below, once a Beijing day (not again on the day the immediate alert went out).
 */
export async function evaluateBalance(
  deps: Deps,
  trx: Executor,
  ctx: RaiseContext,
  s: BalanceState,
  when: 'now' | 'daily',
): Promise<BalanceState> {
  const raises: RaiseInput[] = []
  const next = balanceRule(deps, ctx, s, when, (input) => raises.push(input))
  await raiseManyInTransaction(deps, trx, ctx, raises)
  return next
}

function balanceRule(
  deps: Deps,
  ctx: RaiseContext,
  s: BalanceState,
  when: 'now' | 'daily',
  raise: (input: RaiseInput) => void,
): BalanceState {
  const threshold = ctx.settings.thresholds.lowBalance
  if (s.balance >= threshold) return { ...s, below: false }
  const today = beijingDate(deps.clock.now())
  if (!s.below) {
    const episode = s.episode + 1
    raise({
      scene: 'low_balance',
      dedupeKey: `low_balance:${episode}:now`,
      vars: { balance: s.balance, threshold },
    })
    return { ...s, below: true, episode, lastAlertDay: today }
  }
  if (when === 'daily' && s.lastAlertDay !== today) {
    raise({
      scene: 'low_balance',
      dedupeKey: `low_balance:${s.episode}:${today}`,
      vars: { balance: s.balance, threshold },
    })
    return { ...s, lastAlertDay: today }
  }
  return s
}
