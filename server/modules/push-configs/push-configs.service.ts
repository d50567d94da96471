// 推送配置: create/edit/delete the per-template (or default) rules that route intent calls to employees.
import type { Deps } from '../../deps'
import { isDuplicateKey } from '../../db/dialect'
import { writeTransaction } from '../../db/transaction'
import { ConflictError, InvalidInputError, notFound } from '../../lib/errors'
import type { Executor } from '../../db/database'
import type { Page } from '../../../shared/schemas/common'
import {
  pushConfigCreateInput,
  pushConfigUpdateInput,
  type PushConfigCreateInput,
  type PushConfigListInput,
  type PushConfigUpdateInput,
  type PushConfigView,
} from '../../../shared/schemas/push-config'
import {
  attachedEmployees,
  deletePushConfig,
  existingEmployeeIds,
  findPushConfigById,
  insertPushConfig,
  listPushConfigs,
  replaceAttachments,
  setPushConfig,
} from './push-configs.repository'
import { configLevels } from './push-routing'
import type { PushConfigRow } from './push-configs.table'

const WHAT = '推送配置'

async function toViews(db: Executor, orgId: number, rows: PushConfigRow[]): Promise<PushConfigView[]> {
  const attached = await attachedEmployees(
    db,
    orgId,
    rows.map((r) => r.id),
  )
  return rows.map((r) => ({
    id: r.id,
    scriptTemplateId: r.script_template_id,
    scriptTemplateName: r.script_template_name,
    isDefault: r.script_template_id === '',
    intentionLevels: configLevels(r),
    pushMode: r.push_mode,
    addToCrm: r.add_to_crm === 1,
    smsEnabled: r.sms_enabled === 1,
    smsTemplateId: r.sms_template_id,
    employees: attached
      .filter((a) => a.config_id === r.id)
      .map((a) => ({
        employeeId: a.employee_id,
        name: a.name,
        mobile: a.mobile,
        bound: a.openid !== null,
        position: a.position,
        lastPushedAt: a.last_pushed_at === null ? null : Number(a.last_pushed_at),
        pushCount: Number(a.push_count),
      })),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  }))
}

async function view(deps: Deps, orgId: number, id: number): Promise<PushConfigView> {
  const row = await findPushConfigById(deps.db, orgId, id)
  if (!row) notFound(WHAT, id)
  return (await toViews(deps.db, orgId, [row]))[0]
}

export async function listPushConfigsPage(deps: Deps, orgId: number, input: PushConfigListInput): Promise<Page<PushConfigView>> {
  const { rows, total } = await listPushConfigs(deps.db, orgId, input)
  return { items: await toViews(deps.db, orgId, rows), total }
}

export async function getPushConfig(deps: Deps, orgId: number, id: number): Promise<PushConfigView> {
  return view(deps, orgId, id)
}

const taken = (templateId: string, cause: unknown) =>
  new ConflictError(templateId === '' ? '本机构已有默认设置，请直接编辑它' : `话术模板 ${templateId} 已有推送配置，请直接编辑它`, { cause })

async function checkEmployees(db: Executor, orgId: number, ids: readonly number[]): Promise<void> {
  const found = await existingEmployeeIds(db, orgId, ids)
  const missing = ids.filter((id) => !found.has(id))
  if (missing.length > 0) throw new InvalidInputError(`员工 ${missing.join('、')} 不存在，请刷新员工列表后重新选择`)
}

/** The default has no template name of its own. */
const templateName = (id: string, name: string) => (id === '' ? '默认设置' : name || id)

export async function createPushConfig(deps: Deps, orgId: number, raw: PushConfigCreateInput): Promise<PushConfigView> {
  const input = pushConfigCreateInput.parse(raw)
  const now = deps.clock.now()
  let id: number
  try {
    id = await writeTransaction(deps.db, async (trx) => {
      await checkEmployees(trx, orgId, input.employeeIds)
      const newId = await insertPushConfig(trx, {
        org_id: orgId,
        script_template_id: input.scriptTemplateId,
        script_template_name: templateName(input.scriptTemplateId, input.scriptTemplateName),
        intention_levels: input.intentionLevels.join(','),
        push_mode: input.pushMode,
        add_to_crm: input.addToCrm ? 1 : 0,
        sms_enabled: input.smsEnabled ? 1 : 0,
        sms_template_id: input.smsTemplateId ?? null,
        created_at: now,
        updated_at: now,
      })
      await replaceAttachments(trx, orgId, newId, input.employeeIds)
      return newId
    })
  } catch (err) {
    // The (org, template) unique key is what keeps one default per org when two admins save at once.
    if (isDuplicateKey(err)) throw taken(input.scriptTemplateId, err)
    throw err
  }
  return view(deps, orgId, id)
}

export async function updatePushConfig(deps: Deps, orgId: number, raw: PushConfigUpdateInput): Promise<PushConfigView> {
  const input = pushConfigUpdateInput.parse(raw)
  try {
    await writeTransaction(deps.db, async (trx) => {
      if (!(await findPushConfigById(trx, orgId, input.id))) notFound(WHAT, input.id)
      await checkEmployees(trx, orgId, input.employeeIds)
      await setPushConfig(trx, orgId, input.id, {
        script_template_id: input.scriptTemplateId,
        script_template_name: templateName(input.scriptTemplateId, input.scriptTemplateName),
        intention_levels: input.intentionLevels.join(','),
        push_mode: input.pushMode,
        add_to_crm: input.addToCrm ? 1 : 0,
        sms_enabled: input.smsEnabled ? 1 : 0,
        sms_template_id: input.smsTemplateId ?? null,
        updated_at: deps.clock.now(),
      })
      await replaceAttachments(trx, orgId, input.id, input.employeeIds)
    })
  } catch (err) {
    if (isDuplicateKey(err)) throw taken(input.scriptTemplateId, err)
    throw err
  }
  return view(deps, orgId, input.id)
}

export async function removePushConfig(deps: Deps, orgId: number, id: number): Promise<{ ok: true }> {
  const n = await writeTransaction(deps.db, (trx) => deletePushConfig(trx, orgId, id))
  if (n === 0) notFound(WHAT, id)
  return { ok: true }
}
