// Welcome-message templates: reusable text + attachments, assigned to contact ways or as the org default; the scan flow asks here.
import type { Deps } from '../../deps'
import { fromJson, toJson } from '../../db/dialect'
import { notFound } from '../../lib/errors'
import type { WelcomeMessage } from '../../../shared/schemas/contact-way'
import type { WelcomeTemplateAssignInput, WelcomeTemplateSaveInput } from '../../../shared/schemas/welcome-template'
import {
  DEFAULT_WAY,
  clearUse,
  contactWayExists,
  deleteTemplate,
  findTemplate,
  findTemplatesForWay,
  insertTemplate,
  listTemplates,
  listUses,
  setUse,
  updateTemplate,
} from './welcome-templates.repository'
import { OrgReadCache } from '../../lib/org-read-cache'

/** The template rows a scan reads, per way: the same few rows for every event of a burst; dropped on every change here. */
const templatesForWay = new OrgReadCache<Awaited<ReturnType<typeof findTemplatesForWay>>>()

export async function listWelcomeTemplates(deps: Deps, orgId: number) {
  const uses = await listUses(deps.db, orgId)
  return (await listTemplates(deps.db, orgId)).map((t) => ({
    id: t.id,
    name: t.name,
    message: fromJson<WelcomeMessage>(t.message, { attachments: [] }),
    isDefault: uses.some((u) => u.template_id === t.id && u.contact_way_id === DEFAULT_WAY),
    contactWayIds: uses.filter((u) => u.template_id === t.id && u.contact_way_id !== DEFAULT_WAY).map((u) => u.contact_way_id),
    updatedAt: Number(t.updated_at),
  }))
}

export async function createWelcomeTemplate(deps: Deps, orgId: number, input: WelcomeTemplateSaveInput): Promise<{ id: number }> {
  const id = await insertTemplate(deps.db, { org_id: orgId, name: input.name, message: toJson(input.message), now: deps.clock.now() })
  templatesForWay.forgetOrg(deps.db, orgId)
  return { id }
}

export async function updateWelcomeTemplate(deps: Deps, orgId: number, input: WelcomeTemplateSaveInput & { id: number }): Promise<void> {
  const n = await updateTemplate(deps.db, orgId, input.id, { name: input.name, message: toJson(input.message), now: deps.clock.now() })
  templatesForWay.forgetOrg(deps.db, orgId)
  if (n === 0) notFound('欢迎语模板', input.id)
}

export async function removeWelcomeTemplate(deps: Deps, orgId: number, id: number): Promise<void> {
  const n = await deleteTemplate(deps.db, orgId, id)
  templatesForWay.forgetOrg(deps.db, orgId)
  if (n === 0) notFound('欢迎语模板', id)
}

/** Sets (or clears) the template of one contact way, or the org default when contactWayId is null. */
export async function assignWelcomeTemplate(deps: Deps, orgId: number, input: WelcomeTemplateAssignInput): Promise<void> {
  const way = input.contactWayId ?? DEFAULT_WAY
  if (input.contactWayId !== null && !(await contactWayExists(deps.db, orgId, input.contactWayId))) notFound('联系我', input.contactWayId)
  if (input.templateId === null) {
    await clearUse(deps.db, orgId, way)
    templatesForWay.forgetOrg(deps.db, orgId)
    return
  }
  if (!(await findTemplate(deps.db, orgId, input.templateId))) notFound('欢迎语模板', input.templateId)
  await setUse(deps.db, orgId, way, input.templateId, deps.clock.now())
  templatesForWay.forgetOrg(deps.db, orgId)
}

/**
 * The welcome a scan through this way sends: the way's template, else the way's own text (`inline`), else the org
 * default template — one query.
 */
export async function resolveWelcome(
  deps: Deps,
  orgId: number,
  wayId: number | null,
  inline: WelcomeMessage | null,
): Promise<WelcomeMessage | null> {
  const rows = await templatesForWay.get(deps.db, orgId, String(wayId ?? 0), () => findTemplatesForWay(deps.db, orgId, wayId))
  const pick = (id: number) => {
    const r = rows.find((x) => x.contact_way_id === id)
    return r ? fromJson<WelcomeMessage | null>(r.message, null) : null
  }
  return (wayId ? pick(wayId) : null) ?? inline ?? pick(DEFAULT_WAY)
}
