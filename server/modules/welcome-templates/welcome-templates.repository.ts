// Queries of welcome-message templates and their assignments; every one is scoped to an org.
import type { Executor } from '../../db/database'
import { affected, insertedId, upsert } from '../../db/dialect'

export const DEFAULT_WAY = 0

export async function insertTemplate(db: Executor, v: { org_id: number; name: string; message: string; now: number }): Promise<number> {
  return insertedId(
    await db
      .insertInto('welcome_templates')
      .values({ org_id: v.org_id, name: v.name, message: v.message, created_at: v.now, updated_at: v.now })
      .executeTakeFirstOrThrow(),
  )
}

export async function updateTemplate(
  db: Executor,
  orgId: number,
  id: number,
  v: { name: string; message: string; now: number },
): Promise<number> {
  return affected(
    await db
      .updateTable('welcome_templates')
      .set({ name: v.name, message: v.message, updated_at: v.now })
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .executeTakeFirst(),
  )
}

export async function deleteTemplate(db: Executor, orgId: number, id: number): Promise<number> {
  await db.deleteFrom('welcome_template_uses').where('org_id', '=', orgId).where('template_id', '=', id).execute()
  return affected(await db.deleteFrom('welcome_templates').where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst())
}

export function findTemplate(db: Executor, orgId: number, id: number) {
  return db.selectFrom('welcome_templates').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst()
}

export function listTemplates(db: Executor, orgId: number) {
  return db.selectFrom('welcome_templates').selectAll().where('org_id', '=', orgId).orderBy('id').execute()
}

export function listUses(db: Executor, orgId: number) {
  return db.selectFrom('welcome_template_uses').select(['contact_way_id', 'template_id']).where('org_id', '=', orgId).execute()
}

export async function setUse(db: Executor, orgId: number, wayId: number, templateId: number, now: number): Promise<void> {
  await upsert(
    db,
    'welcome_template_uses',
    { org_id: orgId, contact_way_id: wayId, template_id: templateId, updated_at: now },
    ['org_id', 'contact_way_id'],
    ['template_id', 'updated_at'],
  )
}

export async function clearUse(db: Executor, orgId: number, wayId: number): Promise<void> {
  await db.deleteFrom('welcome_template_uses').where('org_id', '=', orgId).where('contact_way_id', '=', wayId).execute()
}

export async function contactWayExists(db: Executor, orgId: number, wayId: number): Promise<boolean> {
  return !!(await db.selectFrom('contact_ways').select('id').where('org_id', '=', orgId).where('id', '=', wayId).executeTakeFirst())
}

/** The way's template and the org default in one query: what the welcome send falls back on. */
export async function findTemplatesForWay(db: Executor, orgId: number, wayId: number | null) {
  return db
    .selectFrom('welcome_template_uses as u')
    .innerJoin('welcome_templates as t', 't.id', 'u.template_id')
    .select(['u.contact_way_id', 't.message'])
    .where('u.org_id', '=', orgId)
    .where('u.contact_way_id', 'in', wayId ? [wayId, DEFAULT_WAY] : [DEFAULT_WAY])
    .execute()
}
