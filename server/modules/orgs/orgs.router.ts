// orgs.*: the platform operator's tenant management.
import { z } from 'zod'
import { pageInput } from '../../../shared/schemas/common'
import { orgCreateInput, orgUpdateInput } from '../../../shared/schemas/auth'
import { router, superAdminProcedure } from '../../trpc/init'
import { createOrg, listOrgs, updateOrg } from './orgs.service'

export const orgsRouter = router({
  list: superAdminProcedure.input(pageInput.extend({ q: z.string().trim().max(100).optional() })).query(({ ctx, input }) => listOrgs(ctx.deps, input)),
  options: superAdminProcedure.query(({ ctx }) =>
    ctx.deps.db.selectFrom('orgs').select(['id', 'name', 'status']).orderBy('name').execute(),
  ),
  create: superAdminProcedure.input(orgCreateInput).mutation(({ ctx, input }) => createOrg(ctx.deps, input)),
  update: superAdminProcedure.input(orgUpdateInput).mutation(({ ctx, input }) => updateOrg(ctx.deps, input)),
})
