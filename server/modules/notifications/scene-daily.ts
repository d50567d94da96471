// The 09:00 rules: 余额不足 again while still below, 账户到期 once per expiry date within the warning window.
import type { Deps } from '../../deps'
import { fromJson, toJson } from '../../db/dialect'
import { lockOrgRow, writeTransaction } from '../../db/transaction'
import { findFact, listFactsByKey, setFact } from './notifications.repository'
import { raiseContext, raiseInTransaction } from './notifications.service'
import { evaluateBalance, FACT_BALANCE, FACT_EXPIRY, type BalanceState } from './scene-rules'
import { beijingDate } from './scene-texts'

const DAY_MS = 24 * 3600_000

export async function runDailyRules(deps: Deps): Promise<{ lowBalance: number; expiry: number }> {
  let lowBalance = 0
  let expiry = 0
  for (const { org_id: orgId } of await listFactsByKey(deps.db, FACT_BALANCE)) {
    const ctx = await raiseContext(deps, orgId)
    const alerted = await writeTransaction(deps.db, async (trx) => {
      await lockOrgRow(trx, orgId)
      const raw = await findFact(trx, orgId, FACT_BALANCE)
      if (!raw) return false
      const state = fromJson<BalanceState>(raw, null as never)
      const next = await evaluateBalance(deps, trx, ctx, state, 'daily')
      await setFact(trx, orgId, FACT_BALANCE, toJson(next), deps.clock.now())
      return next.lastAlertDay !== state.lastAlertDay
    })
    if (alerted) lowBalance++
  }
  const now = deps.clock.now()
  for (const { org_id: orgId, value } of await listFactsByKey(deps.db, FACT_EXPIRY)) {
    const { expiresAt } = fromJson<{ expiresAt: number }>(value, { expiresAt: 0 })
    const ctx = await raiseContext(deps, orgId)
    if (expiresAt <= now || expiresAt - now > ctx.settings.thresholds.expiryDays * DAY_MS) continue
    const id = await writeTransaction(deps.db, (trx) =>
      raiseInTransaction(deps, trx, ctx, {
        scene: 'expiry',
        dedupeKey: `expiry:${beijingDate(expiresAt)}`,
        vars: { expiry_at: expiresAt },
      }),
    )
    if (id !== null) expiry++
  }
  return { lowBalance, expiry }
}
