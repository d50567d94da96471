// 导出: the filtered customer list as CSV (UTF-8 with BOM, for Excel) or .xlsx, written batch by batch to a stream.
import type { Writable } from 'node:stream'
import { once } from 'node:events'
import { stringify } from 'csv-stringify/sync'
import ExcelJS from 'exceljs'
import type { Deps } from '../../deps'
import { safeCell, shanghaiTime } from '../../lib/csv'
import { CUSTOMER_STATUS_LABELS, GENDER_LABELS, type CustomerListInput } from '../../../shared/schemas/customer'
import {
  chooseForm,
  DRIVE_MAX,
  findExportBatch,
  findFollowsOf,
  findTagsOf,
  semiJoinSizes,
  type CustomerFilter,
} from './customers.repository'

export type ExportFormat = 'csv' | 'xlsx'
/** Customers read per batch: memory stays at one batch whatever the export's size. */
export const EXPORT_BATCH = 1000

export const EXPORT_HEADERS = ['客户', '外部联系人ID', '性别', '企业', '渠道', '标签', '跟进员工', '备注', '状态', '添加时间'] as const

export type ExportFilter = Omit<CustomerListInput, 'page' | 'pageSize' | 'sortBy' | 'sortOrder'>

export function exportFilename(deps: Deps, format: ExportFormat): string {
  return `客户列表-${shanghaiTime(deps.clock.now()).slice(0, 10)}.${format}`
}

function groupBy<T>(xs: readonly T[], key: (x: T) => number): Map<number, T[]> {
  const m = new Map<number, T[]>()
  for (const x of xs) {
    const list = m.get(key(x))
    if (list) list.push(x)
    else m.set(key(x), [x])
  }
  return m
}

/** Matching customers as export rows (the header excluded), newest first, one batch at a time. */
export async function* exportRows(deps: Deps, orgId: number, filter: CustomerFilter): AsyncGenerator<string[][]> {
  const form = chooseForm(await semiJoinSizes(deps.db, orgId, filter, DRIVE_MAX + 1))
  let beforeId: number | null = null
  for (;;) {
    const rows = await findExportBatch(deps.db, orgId, filter, form, beforeId, EXPORT_BATCH)
    if (!rows.length) return
    const ids = rows.map((r) => r.id)
    const [follows, tags] = await Promise.all([findFollowsOf(deps.db, orgId, ids), findTagsOf(deps.db, orgId, ids)])
    const followsBy = groupBy(follows, (f) => f.customer_id)
    const tagsBy = groupBy(tags, (t) => t.customer_id)
    yield rows.map((r) => {
      const fs = followsBy.get(r.id) ?? []
      // A tag several staff members put on the customer shows once.
      const tagNames = [...new Set((tagsBy.get(r.id) ?? []).map((t) => t.name))]
      return [
        r.name,
        r.external_userid,
        GENDER_LABELS[r.gender as 0 | 1 | 2] ?? GENDER_LABELS[0],
        r.corp_name ?? '',
        r.channel_name ?? (r.channel_state ? `${r.channel_state}（未归属）` : ''),
        tagNames.join('、'),
        fs.map((f) => f.staff_name ?? f.userid).join('、'),
        fs
          .filter((f) => f.remark)
          .map((f) => `${f.staff_name ?? f.userid}：${f.remark}`)
          .join('；'),
        CUSTOMER_STATUS_LABELS[r.status],
        r.first_added_at === null ? '' : shanghaiTime(Number(r.first_added_at)),
      ].map(safeCell)
    })
    if (rows.length < EXPORT_BATCH) return
    beforeId = rows[rows.length - 1].id
  }
}

/** Waits for the stream to take more when it says it is full (a slow download does not pile rows up in memory). */
async function write(out: Writable, chunk: string | Buffer): Promise<void> {
  if (!out.write(chunk)) await once(out, 'drain')
}

/** Writes the export to `out` and ends it. */
export async function writeCustomerExport(deps: Deps, orgId: number, filter: CustomerFilter, format: ExportFormat, out: Writable) {
  let count = 0
  if (format === 'csv') {
    // The BOM tells Excel the file is UTF-8 (without it the Chinese headers open garbled).
    await write(out, '\uFEFF' + stringify([[...EXPORT_HEADERS]]))
    for await (const batch of exportRows(deps, orgId, filter)) {
      await write(out, stringify(batch))
      count += batch.length
    }
    out.end()
    return count
  }
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useSharedStrings: false, useStyles: true })
  const sheet = workbook.addWorksheet('客户列表', { views: [{ state: 'frozen', ySplit: 1 }] })
  sheet.columns = EXPORT_HEADERS.map((header) => ({ header, width: header === '标签' || header === '备注' ? 40 : 18 }))
  sheet.getRow(1).font = { bold: true }
  sheet.getRow(1).commit()
  for await (const batch of exportRows(deps, orgId, filter)) {
    for (const row of batch) sheet.addRow(row).commit()
    count += batch.length
  }
  sheet.commit()
  await workbook.commit()
  return count
}
