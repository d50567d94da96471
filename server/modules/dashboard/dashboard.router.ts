// dashboard.*: 概览's panels for the acting org, readable by every member of it.
import { dashboardInput } from '../../../shared/schemas/dashboard'
import { orgProcedure, router } from '../../trpc/init'
import { getDashboard } from './dashboard.service'

export const dashboardRouter = router({
  overview: orgProcedure.input(dashboardInput).query(({ ctx, input }) => getDashboard(ctx.deps, ctx.orgId, input)),
})
