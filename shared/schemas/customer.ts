// Customer list filters, remark and tag edits shared by the admin web and the server; limits mirror WeCom's.
import { z } from 'zod'
import { pageInput } from './common'
import { charCount } from './tag'

export const REMARK_MAX = 20
export const DESCRIPTION_MAX = 150
export const REMARK_MOBILES_MAX = 10

export const CUSTOMER_STATUSES = ['active', 'lost'] as const
export const CUSTOMER_STATUS_LABELS: Record<(typeof CUSTOMER_STATUSES)[number], string> = { active: '正常', lost: '已流失' }
export const FOLLOW_STATUS_LABELS = { active: '正常', lost: '客户已删除员工', deleted: '员工已删除客户' } as const
export const GENDER_LABELS: Record<0 | 1 | 2, string> = { 0: '未知', 1: '男', 2: '女' }
/** add_way codes of WeCom (fact sheet A.4). */
export const ADD_WAY_LABELS: Record<number, string> = {
  0: '未知来源',
  1: '扫描二维码',
  2: '搜索手机号',
  3: '名片分享',
  4: '群聊',
  5: '手机通讯录',
  6: '微信联系人',
  8: '安装第三方应用时自动添加',
  9: '搜索邮箱',
  10: '视频号主页',
  201: '内部成员共享',
  202: '管理员/负责人分配',
}

const localId = z.number().int().positive()
const userid = z.string().trim().min(1).max(64)

export const customerListInput = pageInput.extend({
  /** Name or any staff member's remark, substring match. */
  q: z.string().trim().max(50).optional(),
  /** Channel `state` (contact way). */
  channel: z.string().max(64).optional(),
  /** Local tag ids. */
  tagIds: z.array(localId).max(50).optional(),
  tagMode: z.enum(['any', 'all']).default('any'),
  followUserid: userid.optional(),
  /** first_added_at ≥ addedFrom (epoch ms) */
  addedFrom: z.number().int().nonnegative().optional(),
  /** first_added_at ≤ addedTo (epoch ms) */
  addedTo: z.number().int().nonnegative().optional(),
  status: z.enum(CUSTOMER_STATUSES).optional(),
  gender: z.union([z.literal(0), z.literal(1), z.literal(2)]).optional(),
  sortBy: z.enum(['firstAddedAt', 'name']).default('firstAddedAt'),
  sortOrder: z.enum(['asc', 'desc']).default('desc'),
})
export type CustomerListInput = z.infer<typeof customerListInput>

/** A mainland mobile number: 11 digits starting 13–19 (WeCom shows and dials these; anything else would be pushed as is). */
export const MAINLAND_MOBILE = /^1[3-9]\d{9}$/
const mobile = z.string().trim().min(1, '手机号不能为空').regex(MAINLAND_MOBILE, '请输入 11 位中国大陆手机号（如 13812345678）')

export const customerUpdateRemarkInput = z
  .object({
    /** Local customers.id */
    id: localId,
    /** The staff member whose relation carries the remark. */
    userid,
    remark: z
      .string()
      .trim()
      .refine((s) => charCount(s) <= REMARK_MAX, `备注最多 ${REMARK_MAX} 个字`)
      .optional(),
    description: z
      .string()
      .trim()
      .refine((s) => charCount(s) <= DESCRIPTION_MAX, `描述最多 ${DESCRIPTION_MAX} 个字`)
      .optional(),
    /** Replaces the list; [] clears it. */
    remarkMobiles: z.array(mobile).max(REMARK_MOBILES_MAX, `备注手机号最多 ${REMARK_MOBILES_MAX} 个`).optional(),
  })
  .refine((v) => v.remark !== undefined || v.description !== undefined || v.remarkMobiles !== undefined, {
    message: '备注、描述、手机号至少修改一项',
    path: ['remark'],
  })
export type CustomerUpdateRemarkInput = z.infer<typeof customerUpdateRemarkInput>

export const customerUpdateTagsInput = z
  .object({
    id: localId,
    /** Whose relation the WeCom tags go on; not needed when only CRM tags change. */
    userid: userid.optional(),
    /** Local tag ids. */
    add: z.array(localId).max(100).default([]),
    remove: z.array(localId).max(100).default([]),
  })
  .refine((v) => v.add.length + v.remove.length > 0, { message: '请选择要添加或移除的标签', path: ['add'] })
  .refine((v) => !v.add.some((t) => v.remove.includes(t)), { message: '同一个标签不能同时添加和移除', path: ['remove'] })
export type CustomerUpdateTagsInput = z.infer<typeof customerUpdateTagsInput>

/** Hour of day (Beijing time) of an org's scheduled customer sync when it never chose one. */
export const DEFAULT_SYNC_HOUR = 2

export const customerSyncSettingsInput = z.object({
  enabled: z.boolean(),
  hour: z.number().int().min(0, '请选择 0–23 点').max(23, '请选择 0–23 点'),
})
export type CustomerSyncSettingsInput = z.infer<typeof customerSyncSettingsInput>

/** 导出: the list's filters (no paging; the export holds every match). */
export const customerExportFilter = customerListInput.omit({ page: true, pageSize: true, sortBy: true, sortOrder: true })
export type CustomerExportFilter = z.infer<typeof customerExportFilter>
export const CUSTOMER_EXPORT_FORMATS = ['csv', 'xlsx'] as const

/** 批量打标签 / 批量移除标签: at most this many customers per run (one page of selections, a few thousand relations). */
export const TAG_BATCH_MAX_CUSTOMERS = 1000
export const customerTagBatchInput = z.object({
  action: z.enum(['add', 'remove']),
  customerIds: z.array(localId).min(1, '请先勾选客户').max(TAG_BATCH_MAX_CUSTOMERS, `一次最多选择 ${TAG_BATCH_MAX_CUSTOMERS} 位客户`),
  tagIds: z.array(localId).min(1, '请选择标签').max(50, '一次最多选择 50 个标签'),
})
export type CustomerTagBatchInput = z.infer<typeof customerTagBatchInput>
