// 员工 (people alerted on their personal WeChat through the Official Account): form, list filters, import/export shapes.
import { z } from 'zod'
import { pageInput } from './common'

/** Mainland China mobile number, 11 digits. */
export const MOBILE_RE = /^1[3-9]\d{9}$/

export const employeeMobile = z.string().trim().regex(MOBILE_RE, '手机号格式不正确（11 位大陆手机号）')
export const employeeName = z.string().trim().min(1, '请输入姓名').max(50, '姓名最多 50 个字')
export const employeeSeat = z.string().trim().max(50, '岗位最多 50 个字')

/** The form fields (create = all of them; update = any of them plus id). */
export const employeeFields = z.object({
  name: employeeName,
  mobile: employeeMobile,
  /** 岗位 / 坐席; empty means none. */
  seat: employeeSeat.optional(),
  receivesSystemNotices: z.boolean().optional(),
  /** Link to a WeCom member (wecom_staff.userid) of the same org; null unlinks. */
  wecomUserid: z.string().trim().min(1).max(64).nullable().optional(),
  /** Link to an admin user of the same org; null unlinks. */
  adminUserId: z.number().int().positive().nullable().optional(),
})
export const employeeCreateInput = employeeFields
export type EmployeeCreateInput = z.infer<typeof employeeCreateInput>

export const employeeUpdateInput = employeeFields.partial().extend({ id: z.number().int().positive() })
export type EmployeeUpdateInput = z.infer<typeof employeeUpdateInput>

export const employeeListInput = pageInput.extend({
  /** Searches name and mobile. */
  q: z.string().trim().max(100).optional(),
  bound: z.boolean().optional(),
  receivesSystemNotices: z.boolean().optional(),
})
export type EmployeeListInput = z.infer<typeof employeeListInput>

export const employeeImportWecomInput = z.object({
  members: z
    .array(
      z.object({
        userid: z.string().trim().min(1).max(64),
        /** WeCom does not give us members' mobiles: the admin types them; a member without one is skipped. */
        mobile: z.string().trim().max(20).optional(),
      }),
    )
    .min(1, '请选择成员')
    .max(500, '一次最多导入 500 人'),
})
export type EmployeeImportWecomInput = z.infer<typeof employeeImportWecomInput>

/** 2 MB of CSV is far more than any clinic's staff list. */
export const MAX_CSV_CHARS = 3_000_000

export const employeeImportCsvInput = z
  .object({
    /** The file's bytes as base64 (so GB18030 files survive) … */
    base64: z.string().max(MAX_CSV_CHARS).optional(),
    /** … or its text, when the client already decoded it. */
    text: z.string().max(MAX_CSV_CHARS).optional(),
    dryRun: z.boolean().default(true),
    /** Import the valid rows and skip the others; without it a file with any error imports nothing. */
    onlyValid: z.boolean().default(false),
  })
  .refine((v) => (v.base64 === undefined) !== (v.text === undefined), '请提供文件内容')
export type EmployeeImportCsvInput = z.input<typeof employeeImportCsvInput>

/** CSV columns, in order; the header row uses these names. */
export const CSV_HEADERS = ['姓名', '手机号', '岗位', '接收系统通知', '企业微信账号', '绑定状态', '关注公众号', '绑定时间'] as const
/** Columns an import reads (the others are ignored). */
export const CSV_IMPORT_HEADERS = ['姓名', '手机号', '岗位', '接收系统通知', '企业微信账号'] as const

export interface EmployeeView {
  id: number
  name: string
  mobile: string
  seat: string | null
  receivesSystemNotices: boolean
  wecomUserid: string | null
  wecomName: string | null
  adminUserId: number | null
  bound: boolean
  boundAt: number | null
  followsOa: boolean
  createdAt: number
  updatedAt: number
}

/** The org's binding QR: the H5 page URL and the QR image of it (PNG data URL), for the 绑定二维码 dialog and printing. */
export interface EmployeeBindingQr {
  url: string
  pngDataUrl: string
  orgName: string
}

export interface CsvRowError {
  /** 1-based line in the file (the header is line 1). */
  line: number
  name: string
  mobile: string
  errors: string[]
}

export interface CsvImportResult {
  total: number
  valid: number
  errors: CsvRowError[]
  /** Rows written (0 on a dry run or when errors stopped the import). */
  imported: number
  dryRun: boolean
}

export interface WecomImportResult {
  created: { userid: string; id: number }[]
  skipped: { userid: string; name: string; reason: string }[]
}
