// Tenants: the platform operator creates orgs together with their first admin.
import { ConflictError, NotFoundError } from '../../lib/errors'
import type { z } from 'zod'
import type { Deps } from '../../deps'
import type { orgCreateInput, orgUpdateInput } from '../../../shared/schemas/auth'
import { releaseHeldCallbacks } from '../callbacks/callback-store'
import { countHeldEvents } from '../callbacks/callbacks.repository'
import { createUser } from '../users/users.service'
import { deleteSessionsOfOrg, findOrgIdBySlug, findOrgsPage, insertOrg, listOrgOptions, updateOrgRow } from './orgs.repository'

export async function listOrgs(deps: Deps, input: { page: number; pageSize: number; q?: string }) {
  const { rows, total } = await findOrgsPage(deps.db, input)
  const held = await countHeldEvents(
    deps.db,
    rows.map((r) => r.id),
  )
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

export function orgOptions(deps: Deps) {
  return listOrgOptions(deps.db)
}

export async function createOrg(deps: Deps, input: z.infer<typeof orgCreateInput>) {
  const now = deps.clock.now()
  return deps.db.transaction().execute(async (trx) => {
    if (await findOrgIdBySlug(trx, input.slug)) throw new ConflictError(`机构标识 ${input.slug} 已存在`)
    const id = await insertOrg(trx, { name: input.name, slug: input.slug, now })
    await createUser({ ...deps, db: trx }, id, { ...input.admin, role: 'org_admin' })
    return { id }
  })
}

export async function updateOrg(deps: Deps, input: z.infer<typeof orgUpdateInput>) {
  const { id, ...patch } = input
  return deps.db.transaction().execute(async (trx) => {
    if ((await updateOrgRow(trx, id, patch, deps.clock.now())) === 0) throw new NotFoundError(`机构 ${id} 不存在`)
    // Disabling an org ends its users' sessions at once.
    if (patch.status === 'disabled') await deleteSessionsOfOrg(trx, id)
    // The callbacks that arrived while it was disabled are queued with the status change, so none is missed or run twice.
    if (patch.status === 'active') await releaseHeldCallbacks(deps, trx, id)
    return { ok: true as const }
  })
}
