// Tag group and tag inputs (WeCom corp tags and CRM-only tags) shared by the admin web and the server; limits mirror WeCom's.
import { z } from 'zod'

/** WeCom counts characters (a surrogate pair is one), not UTF-16 units or bytes. */
export const charCount = (s: string): number => [...s].length

export const TAG_NAME_MAX = 30
/** Corp-wide cap on corp tags (rule-group tags included). */
export const CORP_TAG_CAP = 3000
export const TAG_SOURCES = ['wecom', 'crm'] as const
export type TagSourceName = (typeof TAG_SOURCES)[number]
export const TAG_SOURCE_LABELS: Record<TagSourceName, string> = { wecom: '企业微信标签', crm: 'CRM 标签' }

export const tagName = z
  .string()
  .trim()
  .min(1, '请输入名称')
  .refine((s) => charCount(s) <= TAG_NAME_MAX, `名称最多 ${TAG_NAME_MAX} 个字`)
/** Larger = earlier, as in WeCom; [0, 2^32). */
export const tagOrder = z
  .number()
  .int()
  .min(0)
  .max(2 ** 32 - 1)

const localId = z.number().int().positive()

export const tagCreateGroupInput = z.object({
  name: tagName,
  order: tagOrder.optional(),
  source: z.enum(TAG_SOURCES).default('wecom'),
  // WeCom cannot create an empty group, so neither can the CRM (one rule for both kinds).
  tags: z
    .array(z.object({ name: tagName, order: tagOrder.optional() }))
    .min(1, '至少添加一个标签')
    .max(CORP_TAG_CAP),
})
export type TagCreateGroupInput = z.infer<typeof tagCreateGroupInput>

export const tagAddTagsInput = z.object({
  /** Local tag_groups.id */
  groupId: localId,
  names: z.array(tagName).min(1, '至少添加一个标签').max(CORP_TAG_CAP),
})

export const tagRenameInput = z.object({
  /** Local tags.id or tag_groups.id, per kind */
  id: localId,
  kind: z.enum(['tag', 'group']),
  name: tagName,
})

export const tagRemoveInput = z
  .object({
    /** Local tags.id */
    tagIds: z.array(localId).max(CORP_TAG_CAP).default([]),
    /** Local tag_groups.id */
    groupIds: z.array(localId).max(CORP_TAG_CAP).default([]),
  })
  .refine((v) => v.tagIds.length + v.groupIds.length > 0, { message: '请选择要删除的标签或标签组', path: ['tagIds'] })
