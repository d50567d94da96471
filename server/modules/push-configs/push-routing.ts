// Picks who is alerted about an intent call: the template's push config (else the org's default) and its push mode.
import { randomInt } from 'node:crypto'
import type { Deps } from '../../deps'
import { writeTransaction } from '../../db/transaction'
import type { PushMode } from '../../../shared/schemas/push-config'
import {
  attachedEmployees,
  findPushConfigByTemplate,
  lockPushConfig,
  markPushed,
  setPushCursor,
  type AttachedEmployee,
} from './push-configs.repository'
import type { PushConfigRow } from './push-configs.table'

export interface RoutedEmployee {
  id: number
  name: string
  mobile: string
  openid: string | null
}
export interface IntentRoute {
  configId: number
  mode: 'random' | 'fixed' | 'round_robin' | 'none'
  employees: RoutedEmployee[] // who gets the WeChat push (empty for 'none')
  addToCrm: boolean
  sms: { enabled: boolean; templateId: string | null }
}

export const configLevels = (row: Pick<PushConfigRow, 'intention_levels'>): string[] => row.intention_levels.split(',').filter(Boolean)

/**
 * A template with a config of its own is governed by it alone (the default applies only to templates without one),
 * so a level the template's config leaves out is not pushed even when the default covers it.
 */
async function configFor(deps: Deps, orgId: number, scriptTemplateId: string | null): Promise<PushConfigRow | undefined> {
  const templateId = scriptTemplateId?.trim() ?? ''
  if (templateId !== '') {
    const own = await findPushConfigByTemplate(deps.db, orgId, templateId)
    if (own) return own
  }
  return findPushConfigByTemplate(deps.db, orgId, '')
}

const routed = (e: AttachedEmployee): RoutedEmployee => ({ id: e.employee_id, name: e.name, mobile: e.mobile, openid: e.openid })

/**
 * 顺序推送: the first bound employee at or after the cursor, in the configured order; the cursor then moves past them.
 * Unbound employees are skipped (a WeChat push cannot reach them) without losing their turn order.
 */
function nextInTurn(list: readonly AttachedEmployee[], cursor: number): { pick: AttachedEmployee; next: number } | null {
  const n = list.length
  for (let i = 0; i < n; i++) {
    const idx = (((cursor + i) % n) + n) % n
    if (list[idx].openid !== null) return { pick: list[idx], next: (idx + 1) % n }
  }
  return null
}

/** null when no config (neither the template's nor the default) covers this intention level. Records last push time/count. */
export async function routeIntent(
  deps: Deps,
  orgId: number,
  input: { scriptTemplateId: string | null; intentionLevel: string },
): Promise<IntentRoute | null> {
  return (await routeIntents(deps, orgId, [input]))[0] ?? null
}

/**
 * Routes several calls at once, in input order: one transaction per push config involved, so 顺序推送 takes its row lock
 * once for the whole block of positions (the cursor moves by the block) instead of once per call, which is what
 * serialised a burst of events. Fairness is the same as call by call: the picks are made in order from the committed
 * cursor under the lock, on every instance.
 */
export async function routeIntents(
  deps: Deps,
  orgId: number,
  inputs: readonly { scriptTemplateId: string | null; intentionLevel: string }[],
): Promise<(IntentRoute | null)[]> {
  const out: (IntentRoute | null)[] = inputs.map(() => null)
  const configs = new Map<string, PushConfigRow | undefined>()
  const byConfig = new Map<number, { config: PushConfigRow; indexes: number[] }>()
  for (const [i, input] of inputs.entries()) {
    const templateKey = input.scriptTemplateId?.trim() ?? ''
    if (!configs.has(templateKey)) configs.set(templateKey, await configFor(deps, orgId, input.scriptTemplateId))
    const found = configs.get(templateKey)
    if (!found || !configLevels(found).includes(input.intentionLevel)) continue
    const group = byConfig.get(found.id) ?? { config: found, indexes: [] }
    group.indexes.push(i)
    byConfig.set(found.id, group)
  }
  for (const { config: found, indexes } of byConfig.values()) {
    const routes = await writeTransaction(deps.db, async (trx) => {
      // Re-read under the row lock: the cursor (and an edit made meanwhile) must be the committed one on every instance.
      const config = found.push_mode === 'round_robin' ? await lockPushConfig(trx, orgId, found.id) : found
      if (!config) return null
      const mode: PushMode = config.push_mode
      const list = mode === 'none' ? [] : await attachedEmployees(trx, orgId, [config.id])
      const bound = list.filter((e) => e.openid !== null)
      let cursor = config.rr_cursor
      const picks: AttachedEmployee[][] = indexes.map(() => {
        if (mode === 'fixed') return list
        if (mode === 'random') return bound.length > 0 ? [bound[randomInt(bound.length)]] : []
        if (mode === 'round_robin') {
          const turn = nextInTurn(list, cursor)
          if (!turn) return []
          cursor = turn.next
          return [turn.pick]
        }
        return []
      })
      if (mode === 'round_robin' && cursor !== config.rr_cursor) await setPushCursor(trx, config.id, cursor)
      const counts = new Map<number, number>()
      for (const p of picks) for (const e of p) counts.set(e.employee_id, (counts.get(e.employee_id) ?? 0) + 1)
      await markPushed(trx, config.id, counts, deps.clock.now())
      return picks.map((chosen) => ({
        configId: config.id,
        mode,
        employees: chosen.map(routed),
        addToCrm: config.add_to_crm === 1,
        sms: { enabled: config.sms_enabled === 1, templateId: config.sms_template_id },
      }))
    })
    if (routes) for (const [k, i] of indexes.entries()) out[i] = routes[k]
  }
  return out
}
