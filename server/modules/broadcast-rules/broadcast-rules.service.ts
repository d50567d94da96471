// Broadcast automation: each day every enabled rule picks its customers and sends them its message as a broadcast,
// at most once per customer per rule per period (claimed under a unique key, so reruns and other instances send nothing twice).
import type { Deps } from '../../deps'
import { fromJson, toJson } from '../../db/dialect'
import { writeTransaction } from '../../db/transaction'
import { notFound } from '../../lib/errors'
import type { BroadcastContent } from '../../../shared/schemas/broadcast'
import type { BroadcastRuleSaveInput, RuleCondition, RulePeriod } from '../../../shared/schemas/broadcast-rule'
import { insertBroadcast, updateBroadcastIn } from '../broadcasts/broadcasts.repository'
import { DISPATCH_JOB } from '../broadcasts/broadcasts.service'
import type { BroadcastRuleRow } from './broadcast-rules.table'
import {
  claimSends,
  customerExists,
  deleteBroadcastRow,
  findAlreadySent,
  findEnabledRules,
  findRule,
  idsAddedBetween,
  idsSilentSince,
  idsWithBirthday,
  findBirthday,
  idsWithTag,
  insertRule,
  listRules,
  setBirthday,
  updateRule,
} from './broadcast-rules.repository'

const DAY_MS = 24 * 3600_000
/** The clinics' calendar: China Standard Time. */
const CST_MS = 8 * 3600_000
const pad = (n: number) => String(n).padStart(2, '0')

/** Midnight (CST) of the day containing `now`, as epoch ms. */
const cstDayStart = (now: number) => Math.floor((now + CST_MS) / DAY_MS) * DAY_MS - CST_MS

/** Which period `now` falls in, as the once-only key. */
export function periodKey(period: RulePeriod, now: number): string {
  if (period === 'once') return 'once'
  const d = new Date(now + CST_MS)
  const y = d.getUTCFullYear()
  if (period === 'year') return String(y)
  if (period === 'month') return `${y}-${pad(d.getUTCMonth() + 1)}`
  if (period === 'day') return `${y}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`
  // ISO week: the week's Thursday decides the year; week 1 holds January 4th.
  const t = new Date(Date.UTC(y, d.getUTCMonth(), d.getUTCDate()))
  t.setUTCDate(t.getUTCDate() - ((t.getUTCDay() + 6) % 7) + 3)
  const jan4 = new Date(Date.UTC(t.getUTCFullYear(), 0, 4))
  const week = 1 + Math.round(((t.getTime() - jan4.getTime()) / DAY_MS - 3 + ((jan4.getUTCDay() + 6) % 7)) / 7)
  return `${t.getUTCFullYear()}-W${pad(week)}`
}

export async function matchRule(deps: Deps, orgId: number, c: RuleCondition, now: number): Promise<number[]> {
  const today = cstDayStart(now)
  switch (c.kind) {
    case 'birthday_in_days': {
      const d = new Date(today + c.days * DAY_MS + CST_MS)
      return idsWithBirthday(deps.db, orgId, `${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`)
    }
    case 'added_days_ago':
      return idsAddedBetween(deps.db, orgId, today - c.days * DAY_MS, today - (c.days - 1) * DAY_MS)
    case 'no_inbound_days':
      return idsSilentSince(deps.db, orgId, now - c.days * DAY_MS)
    case 'has_tag':
      return idsWithTag(deps.db, orgId, c.tagId)
  }
}

export interface RuleRunResult {
  matched: number
  sent: number
  broadcastId: number | null
}

/**
 * One run of one rule: the customers it matches minus those it already reached this period become one broadcast
 * (its dispatch job in the same transaction). Customers another run claimed meanwhile are left out.
 */
export async function runRule(deps: Deps, rule: BroadcastRuleRow): Promise<RuleRunResult> {
  const now = deps.clock.now()
  const key = periodKey(rule.period, now)
  const condition = fromJson<RuleCondition>(rule.condition, { kind: 'has_tag', tagId: 0 })
  const matched = await matchRule(deps, rule.org_id, condition, now)
  const done = await findAlreadySent(deps.db, rule.id, key, matched)
  const fresh = matched.filter((id) => !done.has(id))
  let broadcastId: number | null = null
  let sent = 0
  if (fresh.length > 0) {
    const content = fromJson<BroadcastContent>(rule.content, { attachments: [] })
    const r = await writeTransaction(deps.db, async (trx) => {
      const id = await insertBroadcast(trx, {
        org_id: rule.org_id,
        title: `${rule.name}（自动 ${key}）`,
        text: content.text ?? null,
        attachments: toJson(content.attachments),
        targets: toJson({ kind: 'ids', customerIds: [] }),
        status: 'sending',
        started_at: now,
        remind_times: '[]',
        created_at: now,
        updated_at: now,
      })
      const claimed = await claimSends(trx, { orgId: rule.org_id, ruleId: rule.id, periodKey: key, broadcastId: id, ids: fresh, now })
      if (claimed.length === 0) {
        await deleteBroadcastRow(trx, rule.org_id, id)
        return { id: null, n: 0 }
      }
      await updateBroadcastIn(trx, rule.org_id, id, ['sending'], { targets: toJson({ kind: 'ids', customerIds: claimed }) })
      await deps.queue.enqueue(
        trx,
        DISPATCH_JOB,
        { orgId: rule.org_id, broadcastId: id },
        { orgId: rule.org_id, dedupeKey: `broadcast-dispatch:${id}` },
      )
      return { id, n: claimed.length }
    })
    broadcastId = r.id
    sent = r.n
  }
  await updateRule(deps.db, rule.org_id, rule.id, { last_run_at: now, last_matched: matched.length, last_sent: sent })
  return { matched: matched.length, sent, broadcastId }
}

/** The daily job: every enabled rule of every org; one rule's failure does not stop the others. */
export async function runDueRules(deps: Deps): Promise<{ rules: number; sent: number; failed: number }> {
  const rules = await findEnabledRules(deps.db)
  let sent = 0
  let failed = 0
  for (const rule of rules) {
    try {
      sent += (await runRule(deps, rule)).sent
    } catch (err) {
      failed++
      deps.log.warn({ err, ruleId: rule.id, orgId: rule.org_id }, 'broadcast rule failed')
    }
  }
  return { rules: rules.length, sent, failed }
}

// ---- admin ----

const view = (r: BroadcastRuleRow) => ({
  id: r.id,
  name: r.name,
  condition: fromJson<RuleCondition>(r.condition, { kind: 'has_tag', tagId: 0 }),
  content: fromJson<BroadcastContent>(r.content, { attachments: [] }),
  period: r.period,
  enabled: r.enabled === 1,
  lastRunAt: r.last_run_at === null ? null : Number(r.last_run_at),
  lastMatched: r.last_matched,
  lastSent: r.last_sent,
})

export async function listBroadcastRules(deps: Deps, orgId: number) {
  return (await listRules(deps.db, orgId)).map(view)
}

export async function createBroadcastRule(deps: Deps, orgId: number, input: BroadcastRuleSaveInput): Promise<{ id: number }> {
  const now = deps.clock.now()
  const id = await insertRule(deps.db, {
    org_id: orgId,
    name: input.name,
    condition: toJson(input.condition),
    content: toJson(input.content),
    period: input.period,
    enabled: input.enabled ? 1 : 0,
    created_at: now,
    updated_at: now,
  })
  return { id }
}

export async function updateBroadcastRule(deps: Deps, orgId: number, input: BroadcastRuleSaveInput & { id: number }): Promise<void> {
  const n = await updateRule(deps.db, orgId, input.id, {
    name: input.name,
    condition: toJson(input.condition),
    content: toJson(input.content),
    period: input.period,
    enabled: input.enabled ? 1 : 0,
    updated_at: deps.clock.now(),
  })
  if (n === 0) notFound('自动群发规则', input.id)
}

/** 立即运行: the same run the daily job does, for one rule. */
export async function runBroadcastRuleNow(deps: Deps, orgId: number, id: number): Promise<RuleRunResult> {
  const rule = (await findRule(deps.db, orgId, id)) ?? notFound('自动群发规则', id)
  return runRule(deps, rule)
}

export async function getCustomerBirthday(deps: Deps, orgId: number, customerId: number): Promise<{ birthday: string | null }> {
  if (!(await customerExists(deps.db, orgId, customerId))) notFound('客户', customerId)
  return { birthday: await findBirthday(deps.db, orgId, customerId) }
}

export async function setCustomerBirthday(
  deps: Deps,
  orgId: number,
  input: { customerId: number; birthday: string | null },
): Promise<void> {
  if (!(await customerExists(deps.db, orgId, input.customerId))) notFound('客户', input.customerId)
  await setBirthday(deps.db, orgId, input.customerId, input.birthday, deps.clock.now())
}
