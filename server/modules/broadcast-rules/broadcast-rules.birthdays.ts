// 生日 CSV import: rows of (external_userid or remark mobile, birthday) checked one by one, the valid ones stored as MM-DD.
import type { Deps } from '../../deps'
import { writeTransaction } from '../../db/transaction'
import { matchCustomerCsv } from '../broadcasts/broadcasts.csv'
import { setBirthday } from './broadcast-rules.repository'

/** Days per month with 29 for February: a birthday has no year, and 02-29 customers are greeted in leap years. */
const MONTH_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

/** MM-DD from 03-15, 3/15, 1990-03-15, 1990/3/15, 1990.3.15, 3月15日, 1990年3月15日; null when it is none of them. */
export function parseBirthday(text: string): string | null {
  const m =
    /^(?:\d{4}[-/.年])?(\d{1,2})[-/.月](\d{1,2})日?$/.exec(text.replace(/\s/g, '')) ??
    /^(?:\d{4})?(\d{2})(\d{2})$/.exec(text.replace(/\s/g, ''))
  if (!m) return null
  const month = Number(m[1])
  const day = Number(m[2])
  if (month < 1 || month > 12 || day < 1 || day > MONTH_DAYS[month - 1]) return null
  return `${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`
}

export interface BirthdayImportResult {
  total: number
  valid: number
  imported: number
  errors: { line: number; value: string; errors: string[] }[]
}

export async function importBirthdaysCsv(
  deps: Deps,
  orgId: number,
  input: { base64: string; dryRun: boolean },
): Promise<BirthdayImportResult> {
  const rows = await matchCustomerCsv(deps, orgId, input.base64)
  const good: { customerId: number; birthday: string }[] = []
  for (const r of rows) {
    const birthday = parseBirthday(r.extra)
    if (r.extra === '') r.errors.push('第二列生日为空')
    else if (birthday === null) r.errors.push('生日格式不正确（例如 03-15 或 1990-03-15）')
    if (r.customerIds.length > 1) r.errors.push('多位客户的备注里有此手机号，请改用 external_userid')
    if (r.errors.length === 0 && birthday) good.push({ customerId: r.customerIds[0], birthday })
  }
  const errors = rows.filter((r) => r.errors.length).map((r) => ({ line: r.line, value: r.value, errors: r.errors }))
  const result = { total: rows.length, valid: good.length, imported: 0, errors }
  if (input.dryRun || good.length === 0) return result
  const now = deps.clock.now()
  await writeTransaction(deps.db, async (trx) => {
    for (const g of good) await setBirthday(trx, orgId, g.customerId, g.birthday, now)
  })
  return { ...result, imported: good.length }
}
