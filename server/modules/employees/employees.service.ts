// 员工 registry: CRUD, import from WeCom members, CSV export/import (UTF-8 or GB18030), unbinding from the Official Account.
import { parse } from 'csv-parse/sync'
import { stringify } from 'csv-stringify/sync'
import { safeCell, shanghaiTime } from '../../lib/csv'
import QRCode from 'qrcode'
import type { Deps } from '../../deps'
import type { Executor } from '../../db/database'
import { isDuplicateKey } from '../../db/dialect'
import { ConflictError, InvalidInputError, notFound } from '../../lib/errors'
import type { Page } from '../../../shared/schemas/common'
import {
  CSV_HEADERS,
  MOBILE_RE,
  type CsvImportResult,
  type CsvRowError,
  type EmployeeBindingQr,
  type EmployeeCreateInput,
  type EmployeeImportWecomInput,
  type EmployeeListInput,
  type EmployeeUpdateInput,
  type EmployeeView,
  type WecomImportResult,
} from '../../../shared/schemas/employee'
import { orgH5Entry } from '../orgs/org-h5-entry'
import type { EmployeesTable } from './employees.table'
import type { Insertable, Updateable } from 'kysely'
import {
  adminUserInOrg,
  allEmployees,
  deleteEmployee,
  findEmployeeById,
  findEmployeeWithStaff,
  findLinkedUserids,
  findRegisteredMobiles,
  findStaffByUserids,
  insertEmployee,
  listEmployees,
  listStaffForImport,
  setEmployee,
  type EmployeeWithStaff,
} from './employees.repository'

const WHAT = '员工'

function toView(r: EmployeeWithStaff): EmployeeView {
  return {
    id: r.id,
    name: r.name,
    mobile: r.mobile,
    seat: r.seat,
    receivesSystemNotices: r.receives_system_notices === 1,
    wecomUserid: r.wecom_userid,
    wecomName: r.wecom_name,
    adminUserId: r.admin_user_id,
    bound: r.openid !== null,
    boundAt: r.bound_at === null ? null : Number(r.bound_at),
    followsOa: r.follows_oa === 1,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  }
}

const duplicateMobile = (mobile: string, cause?: unknown) => new ConflictError(`手机号 ${mobile} 已登记为员工`, { cause })

export async function listEmployeesPage(deps: Deps, orgId: number, input: EmployeeListInput): Promise<Page<EmployeeView>> {
  const { rows, total } = await listEmployees(deps.db, orgId, input)
  return { items: rows.map(toView), total }
}

async function checkLinks(db: Executor, orgId: number, input: { wecomUserid?: string | null; adminUserId?: number | null }) {
  if (input.wecomUserid) {
    const staff = await findStaffByUserids(db, orgId, [input.wecomUserid])
    if (!staff.has(input.wecomUserid)) throw new InvalidInputError(`企业微信成员 ${input.wecomUserid} 不存在`)
  }
  if (input.adminUserId != null && !(await adminUserInOrg(db, orgId, input.adminUserId))) {
    throw new InvalidInputError(`后台用户 ${input.adminUserId} 不存在`)
  }
}

export async function createEmployee(deps: Deps, orgId: number, input: EmployeeCreateInput): Promise<EmployeeView> {
  await checkLinks(deps.db, orgId, input)
  const now = deps.clock.now()
  let id: number
  try {
    // No check-then-insert: the unique key (org_id, mobile) decides between concurrent creates.
    id = await insertEmployee(deps.db, {
      org_id: orgId,
      name: input.name,
      mobile: input.mobile,
      seat: input.seat || null,
      receives_system_notices: input.receivesSystemNotices ? 1 : 0,
      wecom_userid: input.wecomUserid ?? null,
      admin_user_id: input.adminUserId ?? null,
      openid: null,
      bound_at: null,
      follows_oa: 0,
      created_at: now,
      updated_at: now,
    })
  } catch (err) {
    if (isDuplicateKey(err)) throw duplicateMobile(input.mobile, err)
    throw err
  }
  return getEmployee(deps, orgId, id)
}

export async function getEmployee(deps: Deps, orgId: number, id: number): Promise<EmployeeView> {
  const row = await findEmployeeWithStaff(deps.db, orgId, id)
  if (!row) notFound(WHAT, id)
  return toView(row)
}

export async function updateEmployee(deps: Deps, orgId: number, input: EmployeeUpdateInput): Promise<EmployeeView> {
  if (!(await findEmployeeById(deps.db, orgId, input.id))) notFound(WHAT, input.id)
  await checkLinks(deps.db, orgId, input)
  const patch: Updateable<EmployeesTable> = { updated_at: deps.clock.now() }
  if (input.name !== undefined) patch.name = input.name
  if (input.mobile !== undefined) patch.mobile = input.mobile
  if (input.seat !== undefined) patch.seat = input.seat || null
  if (input.receivesSystemNotices !== undefined) patch.receives_system_notices = input.receivesSystemNotices ? 1 : 0
  if (input.wecomUserid !== undefined) patch.wecom_userid = input.wecomUserid
  if (input.adminUserId !== undefined) patch.admin_user_id = input.adminUserId
  try {
    if ((await setEmployee(deps.db, orgId, input.id, patch)) === 0) notFound(WHAT, input.id)
  } catch (err) {
    if (isDuplicateKey(err)) throw duplicateMobile(input.mobile ?? '', err)
    throw err
  }
  return getEmployee(deps, orgId, input.id)
}

export async function removeEmployee(deps: Deps, orgId: number, id: number): Promise<{ ok: true }> {
  if ((await deleteEmployee(deps.db, orgId, id)) === 0) notFound(WHAT, id)
  return { ok: true }
}

/** 解除绑定: forgets the openid, so the employee gets no more alerts until bound again. */
export async function unbindEmployee(deps: Deps, orgId: number, id: number): Promise<EmployeeView> {
  const row = await findEmployeeById(deps.db, orgId, id)
  if (!row) notFound(WHAT, id)
  await setEmployee(deps.db, orgId, id, { openid: null, bound_at: null, follows_oa: 0, updated_at: deps.clock.now() })
  return getEmployee(deps, orgId, id)
}

/** The import dialog's list: the org's WeCom members, marked when already an employee. */
export async function wecomCandidates(deps: Deps, orgId: number) {
  const rows = await listStaffForImport(deps.db, orgId)
  return rows.map((r) => ({ userid: r.userid, name: r.name, active: r.status === 'active', employeeId: r.employee_id }))
}

/**
 * 从企业微信导入: one employee per chosen member not yet linked. WeCom does not give us members' mobiles, so the admin
 * types them in the dialog; a member without a valid, unregistered mobile is skipped and reported, never half-created.
 */
export async function importFromWecom(deps: Deps, orgId: number, input: EmployeeImportWecomInput): Promise<WecomImportResult> {
  const userids = [...new Set(input.members.map((m) => m.userid))]
  const staff = await findStaffByUserids(deps.db, orgId, userids)
  const linked = await findLinkedUserids(deps.db, orgId, userids)
  const result: WecomImportResult = { created: [], skipped: [] }
  const seen = new Set<string>()
  const now = deps.clock.now()
  for (const m of input.members) {
    const name = staff.get(m.userid)
    const skip = (reason: string) => result.skipped.push({ userid: m.userid, name: name ?? '', reason })
    if (seen.has(m.userid)) continue
    seen.add(m.userid)
    if (name === undefined) {
      skip('不是本机构的企业微信成员')
      continue
    }
    if (linked.has(m.userid)) {
      skip('已是员工')
      continue
    }
    const mobile = m.mobile?.trim() ?? ''
    if (mobile === '') {
      skip('未填写手机号')
      continue
    }
    if (!MOBILE_RE.test(mobile)) {
      skip('手机号格式不正确')
      continue
    }
    try {
      const id = await insertEmployee(deps.db, {
        org_id: orgId,
        name: name.slice(0, 50),
        mobile,
        seat: null,
        receives_system_notices: 0,
        wecom_userid: m.userid,
        admin_user_id: null,
        openid: null,
        bound_at: null,
        follows_oa: 0,
        created_at: now,
        updated_at: now,
      })
      result.created.push({ userid: m.userid, id })
    } catch (err) {
      if (!isDuplicateKey(err)) throw err
      skip(`手机号 ${mobile} 已登记为员工`)
    }
  }
  return result
}

const yesNo = (b: boolean) => (b ? '是' : '否')

/** CSV 导出: every employee, UTF-8 with a BOM so Excel opens it as Chinese text. */
export async function exportEmployeesCsv(deps: Deps, orgId: number): Promise<{ filename: string; content: string }> {
  const rows = await allEmployees(deps.db, orgId)
  const content = stringify(
    rows.map((r) => [
      safeCell(r.name),
      r.mobile,
      safeCell(r.seat ?? ''),
      yesNo(r.receives_system_notices === 1),
      safeCell(r.wecom_userid ?? ''),
      r.openid ? '已绑定' : '未绑定',
      yesNo(r.follows_oa === 1),
      r.bound_at ? shanghaiTime(Number(r.bound_at)) : '',
    ]),
    { header: true, columns: [...CSV_HEADERS], bom: true },
  )
  return { filename: `员工-${shanghaiTime(deps.clock.now()).slice(0, 10)}.csv`, content }
}

/** UTF-8 when the bytes are valid UTF-8, otherwise GB18030 (what Chinese Excel saves as 「CSV（逗号分隔）」). */
export function decodeCsvBytes(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    return new TextDecoder('gb18030').decode(bytes)
  }
}

const TRUE_WORDS = new Set(['是', '1', 'true', 'y', 'yes', '接收'])
const FALSE_WORDS = new Set(['否', '0', 'false', 'n', 'no', '不接收', ''])

interface ParsedRow {
  line: number
  name: string
  mobile: string
  seat: string
  receives: boolean
  wecomUserid: string
  errors: string[]
}

function unprefix(v: string): string {
  return v.startsWith("'") ? v.slice(1) : v
}

/** Parses and checks every row; nothing is written. */
async function checkCsv(deps: Deps, orgId: number, text: string): Promise<ParsedRow[]> {
  let records: { record: string[]; info: { lines: number } }[]
  try {
    records = parse(text, {
      bom: true,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      trim: true,
    }) as unknown as typeof records
  } catch (err) {
    throw new InvalidInputError(`CSV 文件无法解析：${(err as Error).message}`)
  }
  if (records.length === 0) throw new InvalidInputError('CSV 文件是空的')
  const header = records[0].record.map((h) => h.replace(/^\uFEFF/, '').trim())
  const col = (name: string) => header.indexOf(name)
  const iName = col('姓名')
  const iMobile = col('手机号')
  if (iName < 0 || iMobile < 0) throw new InvalidInputError('CSV 表头需要包含「姓名」和「手机号」两列')
  const iSeat = col('岗位')
  const iReceives = col('接收系统通知')
  const iWecom = col('企业微信账号')
  const body = records.slice(1)
  if (body.length > 5000) throw new InvalidInputError('一次最多导入 5000 行')
  const cell = (rec: string[], i: number) => (i < 0 ? '' : unprefix((rec[i] ?? '').trim()))

  const rows: ParsedRow[] = body.map(({ record, info }) => {
    const receivesText = cell(record, iReceives).toLowerCase()
    const row: ParsedRow = {
      line: info.lines,
      name: cell(record, iName),
      mobile: cell(record, iMobile).replace(/[\s-]/g, ''),
      seat: cell(record, iSeat),
      receives: TRUE_WORDS.has(receivesText),
      wecomUserid: cell(record, iWecom),
      errors: [],
    }
    if (row.name === '') row.errors.push('姓名不能为空')
    else if ([...row.name].length > 50) row.errors.push('姓名最多 50 个字')
    if (row.mobile === '') row.errors.push('手机号不能为空')
    else if (!MOBILE_RE.test(row.mobile)) row.errors.push('手机号格式不正确')
    if ([...row.seat].length > 50) row.errors.push('岗位最多 50 个字')
    if (!TRUE_WORDS.has(receivesText) && !FALSE_WORDS.has(receivesText)) row.errors.push('「接收系统通知」请填 是 或 否')
    return row
  })

  const firstLine = new Map<string, number>()
  for (const r of rows) {
    if (!MOBILE_RE.test(r.mobile)) continue
    const first = firstLine.get(r.mobile)
    if (first !== undefined) r.errors.push(`手机号与第 ${first} 行重复`)
    else firstLine.set(r.mobile, r.line)
  }
  const registered = await findRegisteredMobiles(deps.db, orgId, [...firstLine.keys()])
  const staff = await findStaffByUserids(deps.db, orgId, [...new Set(rows.map((r) => r.wecomUserid).filter((u) => u !== ''))])
  for (const r of rows) {
    if (registered.has(r.mobile)) r.errors.push('手机号已登记为员工')
    if (r.wecomUserid !== '' && !staff.has(r.wecomUserid)) r.errors.push(`企业微信成员 ${r.wecomUserid} 不存在`)
  }
  return rows
}

export async function importEmployeesCsv(
  deps: Deps,
  orgId: number,
  input: { base64?: string; text?: string; dryRun: boolean; onlyValid: boolean },
): Promise<CsvImportResult> {
  const text = input.text ?? decodeCsvBytes(Buffer.from(input.base64 ?? '', 'base64'))
  const rows = await checkCsv(deps, orgId, text)
  const valid = rows.filter((r) => r.errors.length === 0)
  const errors: CsvRowError[] = rows
    .filter((r) => r.errors.length > 0)
    .map((r) => ({ line: r.line, name: r.name, mobile: r.mobile, errors: r.errors }))
  const result: CsvImportResult = { total: rows.length, valid: valid.length, errors, imported: 0, dryRun: input.dryRun }
  if (input.dryRun || valid.length === 0 || (errors.length > 0 && !input.onlyValid)) return result

  const now = deps.clock.now()
  const values: Insertable<EmployeesTable>[] = valid.map((r) => ({
    org_id: orgId,
    name: r.name,
    mobile: r.mobile,
    seat: r.seat || null,
    receives_system_notices: r.receives ? 1 : 0,
    wecom_userid: r.wecomUserid || null,
    admin_user_id: null,
    openid: null,
    bound_at: null,
    follows_oa: 0,
    created_at: now,
    updated_at: now,
  }))
  try {
    // All or nothing: a mobile registered meanwhile by someone else rolls the whole import back.
    await deps.db.transaction().execute(async (trx) => {
      for (const v of values) await insertEmployee(trx, v)
    })
  } catch (err) {
    if (isDuplicateKey(err)) throw new ConflictError('导入期间有手机号被他人登记，本次未导入任何行，请重新检查文件', { cause: err })
    throw err
  }
  result.imported = values.length
  return result
}

/** Large enough to print (the download adds the caption around it); level M survives a smudged or folded print. */
export const BINDING_QR_OPTIONS = { type: 'image/png', errorCorrectionLevel: 'M', margin: 2, width: 640 } as const

/** The org's H5 binding URL and its QR image, for every role of the org (the URL is not a secret: it is printed). */
export async function employeeBindingQr(deps: Deps, orgId: number): Promise<EmployeeBindingQr> {
  const { orgName, url } = await orgH5Entry(deps, orgId)
  return { url, orgName, pngDataUrl: await QRCode.toDataURL(url, BINDING_QR_OPTIONS) }
}
