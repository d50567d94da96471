// 模拟外呼 (demo only): a realistic outbound batch — intents, an unanswered run, a line-error run, low balance, a recharge, near expiry.
import { randomInt } from 'node:crypto'
import type { IngestEventInput } from '../../../shared/ingest-events'

export interface DemoBatchOptions {
  /** Calls in the batch (≥ 220 so both 100-call runs fit with intents around them). */
  calls: number
  /** Script templates to spread the calls over; null entries use the default push config. */
  templateIds: (string | null)[]
  now: number
  /** Unique per run, so a second run is new events rather than replays. */
  runId: string
}

const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '赵', '黄', '周', '吴']
const TITLES = ['女士', '先生']
const INTENTS = ['A', 'A', 'B', 'B', 'B', 'C', 'C', 'D', 'E'] as const

/** '2026-12-01T09:30:00+08:00': the calling system reports Beijing time with its offset. */
function beijing(ms: number): string {
  return `${new Date(ms + 8 * 3600_000).toISOString().slice(0, 19)}+08:00`
}

const pick = <T>(xs: readonly T[]): T => xs[randomInt(xs.length)]
const phone = () => `1${pick(['35', '36', '38', '39', '58', '86'])}${String(randomInt(100_000_000)).padStart(8, '0')}`

/**
 * Order: batch_created, some intents, 100 unanswered in a row (连续未接通警报), more intents, 100 line errors on line
 * L-02 (线路报错), the rest mixed; then balance below the usual threshold, a recharge and an account expiring in 5 days.
 * Every number of the batch gets a result, so the batch completes (任务完成).
 */
export function demoBatch(o: DemoBatchOptions): IngestEventInput[] {
  const calls = Math.max(220, o.calls)
  const batchId = `demo-${o.runId}`
  const events: IngestEventInput[] = [
    {
      type: 'batch_created',
      idempotency_key: `${batchId}:created`,
      batch_id: batchId,
      total: calls,
      created_at: beijing(o.now - 3600_000),
    },
  ]
  const classes: string[] = []
  const head = Math.floor((calls - 200) / 2)
  for (let i = 0; i < head; i++) classes.push(i % 3 === 0 ? 'F' : pick(INTENTS))
  for (let i = 0; i < 100; i++) classes.push('F')
  for (let i = 0; i < Math.min(10, calls - 200 - head); i++) classes.push(pick(INTENTS))
  for (let i = 0; i < 100; i++) classes.push('W')
  while (classes.length < calls) classes.push(classes.length % 4 === 0 ? 'F' : pick(INTENTS))

  classes.forEach((cls, i) => {
    const callId = `${batchId}-${String(i + 1).padStart(5, '0')}`
    const answered = cls !== 'F' && cls !== 'W'
    events.push({
      type: 'call_result',
      idempotency_key: `${callId}:result`,
      call_id: callId,
      batch_id: batchId,
      line_id: cls === 'W' ? 'L-02' : i % 2 === 0 ? 'L-01' : 'L-03',
      phone: phone(),
      customer_name: answered ? `${pick(SURNAMES)}${pick(TITLES)}` : '',
      script_template_id: o.templateIds.length > 0 ? o.templateIds[i % o.templateIds.length] : null,
      intention_level: answered ? (cls as 'A') : null,
      result_class: cls as 'A',
      called_at: beijing(o.now - 3600_000 + (i + 1) * 5_000),
      detail_url: `https://outbound.example.com/calls/${callId}`,
    })
  })
  events.push(
    { type: 'balance', idempotency_key: `${batchId}:balance`, balance: 35.5, at: beijing(o.now) },
    { type: 'recharge', idempotency_key: `${batchId}:recharge`, amount: 500, balance: 535.5, at: beijing(o.now + 1000) },
    { type: 'account', idempotency_key: `${batchId}:account`, expires_at: beijing(o.now + 5 * 86_400_000) },
  )
  return events
}
