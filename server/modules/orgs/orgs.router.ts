// orgs.*: the platform operator's tenant management.
import { z } from 'zod'
import { pageInput } from '../../../shared/schemas/common'
import { orgCreateInput, orgUpdateInput } from '../../../shared/schemas/auth'
import { router, superAdminProcedure } from '../../trpc/init'
import { createOrg, listOrgs, orgOptions, updateOrg } from './orgs.service'

export const orgsRouter = router({
  list: superAdminProcedure
    .input(pageInput.extend({ q: z.string().trim().max(100).optional() }))
    .query(({ ctx, input }) => listOrgs(ctx.deps, input)),
  options: superAdminProcedure.query(({ ctx }) => orgOptions(ctx.deps)),
  create: superAdminProcedure.input(orgCreateInput).mutation(({ ctx, input }) => createOrg(ctx.deps, input)),
  update: superAdminProcedure.input(orgUpdateInput).mutation(({ ctx, input }) => updateOrg(ctx.deps, input)),
})
