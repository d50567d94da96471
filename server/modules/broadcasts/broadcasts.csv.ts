// Reads a CSV that names customers by external_userid or by a mobile a staff member put in their remark, and matches
// each row to this org's customers with a reason for every row that matches none.
import { parse } from 'csv-parse/sync'
import type { Deps } from '../../deps'
import { fromJson } from '../../db/dialect'
import { InvalidInputError } from '../../lib/errors'
import { CUSTOMER_CSV_MAX_ROWS } from '../../../shared/schemas/broadcast'
import { MOBILE_RE } from '../../../shared/schemas/employee'
import { decodeCsvBytes } from '../employees/employees.service'
import { findCustomerIdsByExternal, findRemarkMobiles } from './broadcasts.repository'

export interface CustomerCsvRow {
  /** 1-based line in the file, as a spreadsheet shows it. */
  line: number
  /** The first cell as written. */
  value: string
  /** The second cell (e.g. a birthday), trimmed. */
  extra: string
  /** Matched customers: one for an external_userid, one or more for a mobile (family members share one). */
  customerIds: number[]
  errors: string[]
}

/** WeCom external_userids of customers start wm / wo; anything else in the first column is a typo or a different file. */
const EXTERNAL_RE = /^w[mo][0-9A-Za-z_-]{6,}$/
const HEADER_WORDS = new Set(['external_userid', 'externaluserid', '客户id', '客户', '手机号', '手机', 'mobile', '备注手机号'])

/** Strips spaces, dashes, a +86 / 86 prefix and the apostrophe spreadsheets put before long numbers. */
export function normalizeMobile(v: string): string {
  const s = v.replace(/^'/, '').replace(/[\s-]/g, '')
  return /^\+?86\d{11}$/.test(s) ? s.slice(-11) : s
}

export async function matchCustomerCsv(deps: Deps, orgId: number, base64: string): Promise<CustomerCsvRow[]> {
  let records: { record: string[]; info: { lines: number } }[]
  try {
    records = parse(decodeCsvBytes(Buffer.from(base64, 'base64')), {
      bom: true,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      trim: true,
    }) as unknown as typeof records
  } catch (err) {
    throw new InvalidInputError(`CSV 文件无法解析：${(err as Error).message}，请检查后重新上传`)
  }
  if (records.length && HEADER_WORDS.has((records[0].record[0] ?? '').replace(/^\uFEFF/, '').toLowerCase())) records = records.slice(1)
  if (records.length === 0) throw new InvalidInputError('CSV 文件没有数据行：第一列请填 external_userid 或客户备注里的手机号')
  if (records.length > CUSTOMER_CSV_MAX_ROWS) throw new InvalidInputError(`一次最多 ${CUSTOMER_CSV_MAX_ROWS} 行，请拆分文件后分别上传`)

  type Row = CustomerCsvRow & { key: string; kind: 'external' | 'mobile' | null }
  const rows: Row[] = records.map(({ record, info }): Row => {
    const value = record[0] ?? ''
    const key = normalizeMobile(value)
    const kind = EXTERNAL_RE.test(key) ? 'external' : /^\d+$/.test(key) ? 'mobile' : null
    const row: Row = { line: info.lines, value, extra: (record[1] ?? '').trim(), customerIds: [], errors: [], key, kind }
    if (key === '') row.errors.push('第一列为空')
    else if (kind === 'mobile' && !MOBILE_RE.test(key)) row.errors.push('手机号格式不正确（11 位大陆手机号）')
    else if (kind === null) row.errors.push('无法识别：第一列应为 external_userid（wm 开头）或手机号')
    return row
  })

  const firstLine = new Map<string, number>()
  for (const r of rows) {
    if (r.errors.length) continue
    const first = firstLine.get(r.key)
    if (first !== undefined) r.errors.push(`与第 ${first} 行重复`)
    else firstLine.set(r.key, r.line)
  }

  const wanted = rows.filter((r) => r.errors.length === 0)
  const byExternal = await findCustomerIdsByExternal(
    deps.db,
    orgId,
    wanted.filter((r) => r.kind === 'external').map((r) => r.key),
  )
  const byMobile = new Map<string, Set<number>>()
  if (wanted.some((r) => r.kind === 'mobile')) {
    for (const f of await findRemarkMobiles(deps.db, orgId)) {
      for (const m of fromJson<string[]>(f.remark_mobiles, [])) {
        const key = normalizeMobile(String(m))
        let ids = byMobile.get(key)
        if (!ids) byMobile.set(key, (ids = new Set()))
        ids.add(f.customer_id)
      }
    }
  }
  const claimedBy = new Map<number, number>()
  for (const r of wanted) {
    if (r.kind === 'external') {
      const id = byExternal.get(r.key)
      if (id === undefined) r.errors.push('不是本机构的客户（未找到此 external_userid，请先同步客户）')
      else r.customerIds = [id]
    } else {
      const ids = byMobile.get(r.key)
      if (!ids) r.errors.push('本机构没有客户的备注里有此手机号')
      else r.customerIds = [...ids].sort((a, b) => a - b)
    }
    // The same customer named twice (by id and by mobile) is a duplicate too: it would otherwise look like two recipients.
    const again = r.customerIds.map((id) => claimedBy.get(id)).find((l) => l !== undefined)
    if (again !== undefined) {
      r.errors.push(`与第 ${again} 行是同一位客户`)
      r.customerIds = []
    } else for (const id of r.customerIds) claimedBy.set(id, r.line)
  }
  return rows.map(({ key: _key, kind: _kind, ...r }) => r)
}

export interface CustomerCsvResult {
  total: number
  /** The valid rows' customers, in file order: the broadcast's target list. */
  customerIds: number[]
  errors: { line: number; value: string; errors: string[] }[]
}

/** 群发 targets from a CSV: nothing is written, the composer sends the ids like a selection on the customers page. */
export async function customersFromCsv(deps: Deps, orgId: number, base64: string): Promise<CustomerCsvResult> {
  const rows = await matchCustomerCsv(deps, orgId, base64)
  return {
    total: rows.length,
    customerIds: rows.flatMap((r) => (r.errors.length ? [] : r.customerIds)),
    errors: rows.filter((r) => r.errors.length).map((r) => ({ line: r.line, value: r.value, errors: r.errors })),
  }
}
