// Events the outbound-calling system posts to POST /api/ingest/events: one zod schema per type, also the source of the OpenAPI description.
import { z } from 'zod'

/** 意向等级 the calling system assigns to a customer after a call. */
export const INTENTION_LEVELS = ['A', 'B', 'C', 'D', 'E', 'F'] as const
export type IntentionLevel = (typeof INTENTION_LEVELS)[number]

/** 呼叫结果: A–E intent levels of an answered call, F unanswered, W line error (the carrier refused the call). */
export const RESULT_CLASSES = ['A', 'B', 'C', 'D', 'E', 'F', 'W'] as const
export type ResultClass = (typeof RESULT_CLASSES)[number]

export const INGEST_EVENT_TYPES = ['call_result', 'batch_created', 'balance', 'recharge', 'account'] as const
export type IngestEventType = (typeof INGEST_EVENT_TYPES)[number]

/** Events per request; bigger batches must be split by the sender. */
export const INGEST_MAX_EVENTS = 1000
/** Raw body cap: 1 000 call results with long URLs and names stay well under this. */
export const INGEST_MAX_BYTES = 2 * 1024 * 1024
/** A signed request is accepted this long before or after its X-Timestamp. */
export const INGEST_WINDOW_SECONDS = 300

/**
 * Every time is an ISO 8601 string WITH an offset ("2026-12-01T09:30:00+08:00" or "…Z"): a bare local time would be
 * ambiguous between the clinic's and the server's zone, and epoch numbers are easy to send in the wrong unit.
 */
export const ingestTime = z.iso.datetime({ offset: true, message: '时间须为带时区的 ISO 8601 格式，例如 2026-12-01T09:30:00+08:00' })

/** Amounts are yuan (元) as numbers with at most two decimals. */
const yuan = z
  .number()
  .finite()
  .refine((n) => Math.abs(n * 100 - Math.round(n * 100)) < 1e-6, '金额最多两位小数')

const idString = z.string().trim().min(1).max(64)

const base = {
  /** Chosen by the sender, unique per org: a repeat of the same key returns the first result and changes nothing. */
  // Printable ASCII without spaces: compared byte for byte on every database (MySQL would ignore trailing spaces).
  idempotency_key: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[\x21-\x7e]+$/, 'idempotency_key 只能包含可见 ASCII 字符（不含空格），最长 128 位'),
}

export const callResultEvent = z.object({
  ...base,
  type: z.literal('call_result'),
  call_id: idString,
  batch_id: idString,
  line_id: idString,
  phone: z.string().trim().min(3).max(32),
  customer_name: z.string().trim().max(100).default(''),
  /** 话术模板 id; null when the call used none (the default push config applies). */
  script_template_id: idString.nullable().default(null),
  /** null when the call was not answered or failed on the line (result_class F or W). */
  intention_level: z.enum(INTENTION_LEVELS).nullable().default(null),
  result_class: z.enum(RESULT_CLASSES),
  called_at: ingestTime,
  /** 通话记录 page in the calling system for this call. */
  detail_url: z.url().max(1000).nullable().default(null),
})

export const batchCreatedEvent = z.object({
  ...base,
  type: z.literal('batch_created'),
  batch_id: idString,
  /** Numbers in the batch: the batch is complete once this many call_results of it arrived. */
  total: z.number().int().min(1).max(10_000_000),
  created_at: ingestTime,
})

export const balanceEvent = z.object({
  ...base,
  type: z.literal('balance'),
  balance: yuan,
  at: ingestTime,
})

export const rechargeEvent = z.object({
  ...base,
  type: z.literal('recharge'),
  amount: yuan.refine((n) => n > 0, '充值金额须大于 0'),
  /** Balance after the recharge. */
  balance: yuan,
  at: ingestTime,
})

export const accountEvent = z.object({
  ...base,
  type: z.literal('account'),
  /** When the calling-system account expires. */
  expires_at: ingestTime,
})

export const ingestEvent = z.discriminatedUnion('type', [callResultEvent, batchCreatedEvent, balanceEvent, rechargeEvent, accountEvent])
export type IngestEvent = z.infer<typeof ingestEvent>
export type IngestEventInput = z.input<typeof ingestEvent>
export type CallResultEvent = z.infer<typeof callResultEvent>

/** The request body: events are validated one by one, so the envelope only checks it is a bounded list. */
export const ingestBody = z.object({
  events: z.array(z.unknown()).min(1, '至少需要一条事件').max(INGEST_MAX_EVENTS, `一次最多 ${INGEST_MAX_EVENTS} 条事件`),
})

/** For documentation: the body as the sender builds it. */
export const ingestBodyDocumented = z.object({ events: z.array(ingestEvent).min(1).max(INGEST_MAX_EVENTS) })

export const ingestAccepted = z.object({
  index: z.number().int(),
  idempotency_key: z.string(),
  status: z.literal('accepted'),
  event_id: z.number().int(),
  /** When the event was first accepted (ISO 8601, UTC). */
  received_at: z.string(),
  /** true when the key had been accepted before: the rest is the first answer, unchanged, and nothing was done again. */
  replayed: z.boolean(),
})
export type IngestAccepted = z.infer<typeof ingestAccepted>

export const ingestRejected = z.object({
  index: z.number().int(),
  idempotency_key: z.string().nullable(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })),
})
export type IngestRejected = z.infer<typeof ingestRejected>

export const ingestResponse = z.object({
  accepted: z.array(ingestAccepted),
  rejected: z.array(ingestRejected),
})
export type IngestResponse = z.infer<typeof ingestResponse>

export const INGEST_ERROR_CODES = [
  'missing_headers',
  'bad_key',
  'key_revoked',
  'bad_signature',
  'timestamp_window',
  'too_large',
  'bad_body',
  'rate_limited',
  'internal',
] as const
export type IngestErrorCode = (typeof INGEST_ERROR_CODES)[number]

export const ingestError = z.object({
  error: z.object({ code: z.enum(INGEST_ERROR_CODES), message: z.string() }),
})
export type IngestError = z.infer<typeof ingestError>
