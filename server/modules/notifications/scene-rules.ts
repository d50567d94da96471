// The scene rules: an ingest event (queue kind notify.event) becomes state changes and, when a rule fires, notifications.
import type { Deps } from '../../deps'
import type { Executor } from '../../db/database'
import { fromJson, toJson } from '../../db/dialect'
import { lockOrgRow, writeTransaction } from '../../db/transaction'
import { PermanentJobError } from '../../queue/queue'
import { ingestEvent, type CallResultEvent, type IngestEvent } from '../../../shared/ingest-events'
import type { NotifyEventPayload } from '../ingest/notify-event-job'
import { findFact, insertFactOnce, setFact } from './notifications.repository'
import { raiseContext, raiseInTransaction, type RaiseContext, type RaiseInput } from './notifications.service'
import { beijingDate } from './scene-texts'

// The job the ingest side enqueues for every accepted event: one definition for both sides.
export { NOTIFY_EVENT_JOB } from '../ingest/notify-event-job'
export type { NotifyEventPayload } from '../ingest/notify-event-job'

/** What routing decided for an intent call, resolved before the state transaction (it keeps its own round-robin state). */
export interface IntentDecision {
  raise: RaiseInput
  /**
   * Idempotent work of its own (加入CRM: the lead, once per call), run before the state transaction: a failure there
   * retries the whole event, while after it the processed-event fact would skip it for good.
   */
  prepare?: () => Promise<void>
}

/** Hook for the 意向客户 scene (push-config routing); absent → intent calls only count for the other rules. */
export type IntentRouter = (deps: Deps, orgId: number, event: CallResultEvent, eventId: number) => Promise<IntentDecision | null>

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

/**
 * One event, exactly once per event id: the org's row lock serialises its rules across instances, the processed-event
 * fact makes a replayed job a no-op, and each alert's dedupe key makes it once even if the rules were to fire twice.
 */
export async function handleNotifyEvent(deps: Deps, payload: NotifyEventPayload, intentRouter?: IntentRouter): Promise<void> {
  const parsed = ingestEvent.safeParse(payload.event)
  if (!parsed.success) throw new PermanentJobError(`notify.event ${payload.eventId}: invalid event`)
  const event = parsed.data
  const { orgId, eventId } = payload
  const processedKey = `event:${eventId}`
  if (await findFact(deps.db, orgId, processedKey)) return
  const decision =
    intentRouter && event.type === 'call_result' && event.intention_level && !['F', 'W'].includes(event.result_class)
      ? await intentRouter(deps, orgId, event, eventId)
      : null
  if (decision?.prepare) await decision.prepare()
  const ctx = await raiseContext(deps, orgId)
  await writeTransaction(deps.db, async (trx) => {
    await lockOrgRow(trx, orgId)
    if (!(await insertFactOnce(trx, orgId, processedKey, '1', deps.clock.now()))) return
    await applyEvent(deps, trx, ctx, event, eventId)
    if (decision) await raiseInTransaction(deps, trx, ctx, decision.raise)
  })
}

async function applyEvent(deps: Deps, trx: Executor, ctx: RaiseContext, event: IngestEvent, eventId: number): Promise<void> {
  const now = deps.clock.now()
  switch (event.type) {
    case 'call_result': {
      const at = ms(event.called_at)
      const { unansweredRun, lineErrorRun } = ctx.settings.thresholds
      await countRun(deps, trx, ctx, 'run:F', event.result_class === 'F', at, unansweredRun, 'unanswered_run')
      await countRun(deps, trx, ctx, `run:W:${event.line_id}`, event.result_class === 'W', at, lineErrorRun, 'line_error')
      await countBatchNumber(deps, trx, ctx, event.batch_id, event.phone)
      return
    }
    case 'batch_created': {
      const key = `batch:${event.batch_id}`
      const state = fromJson<BatchState>(await findFact(trx, ctx.orgId, key), { total: null, createdAt: null, done: 0 })
      const next = { ...state, total: event.total, createdAt: ms(event.created_at) }
      await setFact(trx, ctx.orgId, key, toJson(next), now)
      await checkBatchComplete(deps, trx, ctx, event.batch_id, next)
      return
    }
    case 'balance':
      await applyBalance(deps, trx, ctx, event.balance, ms(event.at))
      return
    case 'recharge':
      await raiseInTransaction(deps, trx, ctx, {
        scene: 'recharge',
        dedupeKey: `recharge:${eventId}`,
        vars: { amount: event.amount, balance: event.balance },
      })
      await applyBalance(deps, trx, ctx, event.balance, ms(event.at))
      return
    case 'account':
      await setFact(trx, ctx.orgId, FACT_EXPIRY, toJson({ expiresAt: ms(event.expires_at) }), now)
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
  deps: Deps,
  trx: Executor,
  ctx: RaiseContext,
  key: string,
  hit: boolean,
  calledAt: number,
  threshold: number,
  scene: 'unanswered_run' | 'line_error',
): Promise<void> {
  const stored = await findFact(trx, ctx.orgId, key)
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
      await raiseInTransaction(deps, trx, ctx, { scene, dedupeKey: `${key}:${next.alerts}`, vars: { run: threshold } })
    }
  }
  await setFact(trx, ctx.orgId, key, toJson(next), deps.clock.now())
}

/** Each number of a batch counts once (a redial of the same number is no new result). */
async function countBatchNumber(deps: Deps, trx: Executor, ctx: RaiseContext, batchId: string, phone: string): Promise<void> {
  const now = deps.clock.now()
  if (!(await insertFactOnce(trx, ctx.orgId, `batch:${batchId}:n:${phone}`, '1', now))) return
  const key = `batch:${batchId}`
  const state = fromJson<BatchState>(await findFact(trx, ctx.orgId, key), { total: null, createdAt: null, done: 0 })
  const next = { ...state, done: state.done + 1 }
  await setFact(trx, ctx.orgId, key, toJson(next), now)
  await checkBatchComplete(deps, trx, ctx, batchId, next)
}

async function checkBatchComplete(deps: Deps, trx: Executor, ctx: RaiseContext, batchId: string, s: BatchState): Promise<void> {
  if (s.total === null || s.done < s.total) return
  await raiseInTransaction(deps, trx, ctx, {
    scene: 'task_complete',
    dedupeKey: `task_complete:${batchId}`,
    vars: { total: s.total, batch_at: s.createdAt ?? undefined },
  })
}

/** A new balance: below the threshold → one alert now (per time it goes below); back above → the rule resets. */
async function applyBalance(deps: Deps, trx: Executor, ctx: RaiseContext, balance: number, at: number): Promise<void> {
  const state = fromJson<BalanceState>(await findFact(trx, ctx.orgId, FACT_BALANCE), {
    balance,
    at: 0,
    below: false,
    episode: 0,
    lastAlertDay: null,
  })
  if (at < state.at) return
  const next = await evaluateBalance(deps, trx, ctx, { ...state, balance, at }, 'now')
  await setFact(trx, ctx.orgId, FACT_BALANCE, toJson(next), deps.clock.now())
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
  const threshold = ctx.settings.thresholds.lowBalance
  if (s.balance >= threshold) return { ...s, below: false }
  const today = beijingDate(deps.clock.now())
  if (!s.below) {
    const episode = s.episode + 1
    await raiseInTransaction(deps, trx, ctx, {
      scene: 'low_balance',
      dedupeKey: `low_balance:${episode}:now`,
      vars: { balance: s.balance, threshold },
    })
    return { ...s, below: true, episode, lastAlertDay: today }
  }
  if (when === 'daily' && s.lastAlertDay !== today) {
    await raiseInTransaction(deps, trx, ctx, {
      scene: 'low_balance',
      dedupeKey: `low_balance:${s.episode}:${today}`,
      vars: { balance: s.balance, threshold },
    })
    return { ...s, lastAlertDay: today }
  }
  return s
}
