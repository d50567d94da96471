// Tenants: the platform operator creates orgs together with their first admin.
import { ConflictError, NotFoundError } from '../../lib/errors'
import type { z } from 'zod'
import type { Deps } from '../../deps'
import { contains, insertedId } from '../../db/dialect'
import { fetchPage } from '../../db/paginate'
import type { orgCreateInput, orgUpdateInput } from '../../../shared/schemas/auth'
import { releaseHeldCallbacks } from '../callbacks/callback-store'
import { countHeldEvents } from '../callbacks/callbacks.repository'
import { createUser } from '../users/users.service'

export async function listOrgs(deps: Deps, input: { page: number; pageSize: number; q?: string }) {
  let q = deps.db.selectFrom('orgs')
  if (input.q) q = q.where((eb) => eb.or([contains('name', input.q!), contains('slug', input.q!)]))
  const { rows, total } = await fetchPage(q, input, (p) =>
    p
      .select(['id', 'name', 'slug', 'status', 'created_at'])
      .select((eb) => eb.selectFrom('admin_users').whereRef('admin_users.org_id', '=', 'orgs.id').select(eb.fn.countAll<number>().as('n')).as('userCount'))
      .orderBy('id', 'desc'),
  )
  const held = await countHeldEvents(deps.db, rows.map((r) => r.id))
  return {
    total,
    items: rows.map((r) => ({
      id: r.id,
      name: r.name,
      slug: r.slug,
      status: r.status,
      createdAt: r.created_at,
      userCount: Number(r.userCount ?? 0),
      /** Callbacks received while disabled, waiting for the org to be enabled. */
      heldCallbacks: held.get(r.id) ?? 0,
    })),
  }
}

export async function createOrg(deps: Deps, input: z.infer<typeof orgCreateInput>) {
  const now = deps.clock.now()
  return deps.db.transaction().execute(async (trx) => {
    const exists = await trx.selectFrom('orgs').select('id').where('slug', '=', input.slug).executeTakeFirst()
    if (exists) throw new ConflictError(`机构标识 ${input.slug} 已存在`)
    const id = insertedId(await trx.insertInto('orgs').values({ name: input.name, slug: input.slug, status: 'active', created_at: now, updated_at: now }).executeTakeFirstOrThrow())
    await createUser({ ...deps, db: trx as any }, id, { ...input.admin, role: 'org_admin' })
    return { id }
  })
}

export async function updateOrg(deps: Deps, input: z.infer<typeof orgUpdateInput>) {
  const { id, ...patch } = input
  return deps.db.transaction().execute(async (trx) => {
    const res = await trx.updateTable('orgs').set({ ...patch, updated_at: deps.clock.now() }).where('id', '=', id).executeTakeFirst()
    if (Number(res.numUpdatedRows) === 0) throw new NotFoundError(`机构 ${id} 不存在`)
    if (patch.status === 'disabled') {
      // Disabling an org ends its users' sessions at once.
      await trx.deleteFrom('sessions').where('user_id', 'in', (eb) => eb.selectFrom('admin_users').select('id').where('org_id', '=', id)).execute()
    }
    // The callbacks that arrived while it was disabled are queued with the status change, so none is missed or run twice.
    if (patch.status === 'active') await releaseHeldCallbacks(deps, trx, id)
    return { ok: true as const }
  })
}
