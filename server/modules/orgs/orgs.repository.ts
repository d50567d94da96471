// Queries for orgs (tenants) and the sessions that belong to an org's users.
import type { Executor } from '../../db/database'
import { contains, insertedId } from '../../db/dialect'
import { fetchPage, type PageRequest } from '../../db/paginate'

export function findOrgById(db: Executor, id: number) {
  return db.selectFrom('orgs').select(['id', 'name', 'status']).where('id', '=', id).executeTakeFirst()
}

/** The org with its URL slug (the H5 binding page names the org by its slug). */
export function findOrgWithSlug(db: Executor, id: number) {
  return db.selectFrom('orgs').select(['id', 'name', 'slug', 'status']).where('id', '=', id).executeTakeFirst()
}

export function findOrgIdBySlug(db: Executor, slug: string) {
  return db.selectFrom('orgs').select('id').where('slug', '=', slug).executeTakeFirst()
}

/** The lowest-id active org, or undefined when there is none. */
export async function findFirstActiveOrgId(db: Executor): Promise<number | undefined> {
  const row = await db.selectFrom('orgs').select('id').where('status', '=', 'active').orderBy('id').limit(1).executeTakeFirst()
  return row?.id
}

export function listOrgOptions(db: Executor) {
  return db.selectFrom('orgs').select(['id', 'name', 'status']).orderBy('name').execute()
}

export function findOrgsPage(db: Executor, input: PageRequest & { q?: string }) {
  let q = db.selectFrom('orgs')
  if (input.q) q = q.where((eb) => eb.or([contains('name', input.q!), contains('slug', input.q!)]))
  return fetchPage(q, input, (p) =>
    p
      .select(['id', 'name', 'slug', 'status', 'created_at'])
      .select((eb) =>
        eb
          .selectFrom('admin_users')
          .whereRef('admin_users.org_id', '=', 'orgs.id')
          .select(eb.fn.countAll<number>().as('n'))
          .as('userCount'),
      )
      .orderBy('id', 'desc'),
  )
}

export async function insertOrg(db: Executor, org: { name: string; slug: string; now: number }): Promise<number> {
  return insertedId(
    await db
      .insertInto('orgs')
      .values({ name: org.name, slug: org.slug, status: 'active', created_at: org.now, updated_at: org.now })
      .executeTakeFirstOrThrow(),
  )
}

/** Rows changed (0 when the org does not exist). */
export async function updateOrgRow(
  db: Executor,
  id: number,
  patch: { name?: string; status?: 'active' | 'disabled' },
  now: number,
): Promise<number> {
  const res = await db
    .updateTable('orgs')
    .set({ ...patch, updated_at: now })
    .where('id', '=', id)
    .executeTakeFirst()
  return Number(res.numUpdatedRows)
}

export async function deleteSessionsOfOrg(db: Executor, orgId: number): Promise<void> {
  await db
    .deleteFrom('sessions')
    .where('user_id', 'in', (eb) => eb.selectFrom('admin_users').select('id').where('org_id', '=', orgId))
    .execute()
}
