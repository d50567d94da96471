// leads.*: 线索 created by 加入CRM — list with filters, status and assignee changes (audited as mutations).
import { leadAssignInput, leadListInput, leadSetStatusInput } from '../../../shared/schemas/lead'
import { orgAdminProcedure, orgProcedure, router } from '../../trpc/init'
import { assignLead, listLeadsPage, setLeadStatus } from './leads.service'

export const leadsRouter = router({
  list: orgProcedure.input(leadListInput).query(({ ctx, input }) => listLeadsPage(ctx.deps, ctx.orgId, input)),
  setStatus: orgProcedure
    .input(leadSetStatusInput)
    .mutation(({ ctx, input }) => setLeadStatus(ctx.deps, ctx.orgId, input.id, input.status)),
  assign: orgAdminProcedure
    .input(leadAssignInput)
    .mutation(({ ctx, input }) => assignLead(ctx.deps, ctx.orgId, input.id, input.employeeId)),
})
