// 通知设置: the org's channels, thresholds, SMS templates, template mapping and jumps; the account's templates and a preview.
import type { Deps } from '../../deps'
import { fromJson, toJson } from '../../db/dialect'
import { PlatformError, PlatformTransportError } from '../../platform/errors'
import { PreconditionError } from '../../lib/errors'
import { isLegacyTemplate, parseTemplateKeys, type TemplateKey } from '../../platform/oa/template-keys'
import { SCENES, type NotifySettings, type NotifySettingsSaveInput, type PreviewInput, type Scene } from '../../../shared/schemas/notify'
import { FACT_TEMPLATE_PAUSED, templateErrorFact } from './deliver'
import { findFact, findOrgName, updateSettings } from './notifications.repository'
import { ensureSettingsRow, forgetNotifySettings, mergeSettings } from './notifications.service'
import { sceneTexts, type SceneVars } from './scene-texts'
import { fitTemplate, SCENE_AVAILABLE, suggestedMapping, type FittedKey } from './template-fit'
import { smsReportUrl } from './sms-report.route'

export interface OaTemplateOption {
  templateId: string
  title: string
  content: string
  keys: TemplateKey[]
  legacy: boolean
}

export interface NotifySettingsView {
  settings: NotifySettings
  /** The 状态回调 URL to enter in the SMS console. */
  smsReportUrl: string
  templates: OaTemplateOption[]
  /** Why the template list could not be read (no OA config, platform error). */
  templatesError: string | null
  /** A 47003 that still happened, per scene: the key the platform refused. */
  templateErrors: Partial<Record<Scene, { key: string; at: number; message: string }>>
  /** Template messages paused until (45009), epoch ms; null when sending. */
  templatePausedUntil: number | null
  /** Variables each scene can fill a key with. */
  sceneVars: Record<Scene, string[]>
}

async function accountTemplates(deps: Deps, orgId: number): Promise<{ templates: OaTemplateOption[]; error: string | null }> {
  try {
    const client = await deps.oa.for(orgId)
    const { template_list } = await client.template.list()
    return {
      templates: template_list.map((t) => {
        const keys = parseTemplateKeys(t.content)
        return { templateId: t.template_id, title: t.title, content: t.content, keys, legacy: isLegacyTemplate(keys) }
      }),
      error: null,
    }
  } catch (err) {
    if (err instanceof PreconditionError) return { templates: [], error: err.message }
    if (err instanceof PlatformError) return { templates: [], error: `读取模板列表失败：${err.hint}（错误码 ${err.errcode}）` }
    if (err instanceof PlatformTransportError) return { templates: [], error: `无法连接公众号接口：${err.message}` }
    throw err
  }
}

export async function getNotifySettingsView(deps: Deps, orgId: number): Promise<NotifySettingsView> {
  const row = await ensureSettingsRow(deps, orgId)
  const { templates, error } = await accountTemplates(deps, orgId)
  const templateErrors: NotifySettingsView['templateErrors'] = {}
  for (const scene of SCENES) {
    const raw = await findFact(deps.db, orgId, templateErrorFact(scene))
    if (raw) templateErrors[scene] = fromJson(raw, { key: '', at: 0, message: '' })
  }
  const paused = Number((await findFact(deps.db, orgId, FACT_TEMPLATE_PAUSED)) ?? 0)
  return {
    settings: mergeSettings(fromJson<unknown>(row.settings, null)),
    smsReportUrl: smsReportUrl(deps, row.sms_report_key),
    templates,
    templatesError: error,
    templateErrors,
    templatePausedUntil: paused > deps.clock.now() ? paused : null,
    sceneVars: SCENE_AVAILABLE,
  }
}

export async function saveNotifySettings(deps: Deps, orgId: number, input: NotifySettingsSaveInput): Promise<NotifySettingsView> {
  await ensureSettingsRow(deps, orgId)
  await updateSettings(deps.db, orgId, toJson(input), deps.clock.now())
  forgetNotifySettings(deps, orgId)
  return getNotifySettingsView(deps, orgId)
}

/** Plausible values for a preview: what a real alert of the scene would carry. */
function sampleVars(scene: Scene, orgName: string, settings: NotifySettings, now: number): SceneVars {
  const base: SceneVars = { org_name: orgName, time: now, serial: 'NT1001' }
  switch (scene) {
    case 'intent':
      return { ...base, level: 'A', customer_phone: '13800138000', customer_name: '张女士' }
    case 'task_complete':
      return { ...base, total: 1200, batch_at: now - 3 * 3600_000 }
    case 'unanswered_run':
      return { ...base, run: settings.thresholds.unansweredRun }
    case 'line_error':
      return { ...base, run: settings.thresholds.lineErrorRun }
    case 'announcement':
      return {
        ...base,
        announcement_title: '系统升级通知',
        announcement_content: '系统将于本周六凌晨 2:00 至 4:00 进行升级维护，期间外呼任务暂停。',
      }
    case 'low_balance':
      return { ...base, balance: Math.max(0, settings.thresholds.lowBalance - 12.5), threshold: settings.thresholds.lowBalance }
    case 'recharge':
      return { ...base, amount: 500, balance: 1288.5 }
    case 'expiry':
      return { ...base, expiry_at: now + 5 * 24 * 3600_000 }
  }
}

export interface TemplatePreview {
  legacy: boolean
  keys: FittedKey[]
  /** Shown above the preview: keys that will be cut, and keys the platform would refuse. */
  warnings: string[]
  suggested: ReturnType<typeof suggestedMapping>
}

/** Exactly what the employee will see for the scene with this template and mapping (first/remark marked 不再展示). */
export async function previewTemplate(deps: Deps, orgId: number, input: PreviewInput): Promise<TemplatePreview> {
  const { templates, error } = await accountTemplates(deps, orgId)
  const t = templates.find((x) => x.templateId === input.templateId)
  if (!t) throw new PreconditionError(error ?? `模板 ${input.templateId} 不在公众号的模板列表中`)
  const row = await ensureSettingsRow(deps, orgId)
  const settings = mergeSettings(fromJson<unknown>(row.settings, null))
  const vars = sampleVars(input.scene, (await findOrgName(deps.db, orgId)) ?? '', settings, deps.clock.now())
  const fitted = fitTemplate(input.scene, t.content, input.mapping, vars, sceneTexts(input.scene, vars))
  const warnings = fitted.keys.filter((k) => k.warning).map((k) => `${k.label}（${k.key}）：${k.warning}`)
  if (fitted.legacy) warnings.unshift('旧版模板：每个关键词最多显示 20 个字，超出部分会被折叠，first 与 remark 不再展示')
  return { legacy: fitted.legacy, keys: fitted.keys, warnings, suggested: suggestedMapping(input.scene, t.keys) }
}
