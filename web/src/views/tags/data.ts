// 标签: the create-group and add-tags forms with rules from the shared tag schemas, and labels per tag source.
import type { FormItemRule, FormRules } from 'element-plus'
import { TAG_SOURCE_LABELS, tagCreateGroupInput, tagName, type TagSourceName } from '../../../../shared/schemas/tag'
import { zodRule } from '../../utils/zod-rule'

export { TAG_SOURCE_LABELS }
export const SOURCE_BADGE: Record<TagSourceName, { label: string; type: 'primary' | 'warning' }> = {
  wecom: { label: '企业微信', type: 'primary' },
  crm: { label: 'CRM', type: 'warning' },
}
/** Chip colour of a tag: WeCom tags and the CRM's own tags look different everywhere. */
export const TAG_TYPE: Record<TagSourceName, 'primary' | 'warning'> = { wecom: 'primary', crm: 'warning' }

export function emptyGroupForm() {
  return { source: 'wecom' as TagSourceName, name: '', tags: [] as string[] }
}
export type GroupForm = ReturnType<typeof emptyGroupForm>

/** Every name in the list through `tagName`, plus the list's own limits (at least one). */
function namesRule(list: FormItemRule): FormItemRule[] {
  return [
    list,
    {
      trigger: 'change',
      validator: (_r, names: string[], cb) => {
        for (const n of names) {
          const r = tagName.safeParse(n)
          if (!r.success) return cb(new Error(`「${n}」：${r.error.issues[0]?.message ?? '名称无效'}`))
        }
        cb()
      },
    },
  ]
}

const atLeastOne: FormItemRule = { type: 'array', required: true, min: 1, message: '至少添加一个标签', trigger: 'change' }

export function groupFormRules(): FormRules<GroupForm> {
  return { name: [zodRule(tagCreateGroupInput.shape.name)], tags: namesRule(atLeastOne) }
}

export function addTagsRules(): FormRules<{ names: string[] }> {
  return { names: namesRule(atLeastOne) }
}

/** For ElMessageBox.prompt: true, or the first message of the shared name rule. */
export function validateTagName(v: string): true | string {
  const r = tagName.safeParse(v)
  return r.success || (r.error.issues[0]?.message ?? '名称无效')
}
