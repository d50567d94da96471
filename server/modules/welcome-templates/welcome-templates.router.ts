// welcomeTemplates.*: reusable welcome messages, assigned to contact ways or as the org default.
import { idInput } from '../../../shared/schemas/common'
import { welcomeTemplateAssignInput, welcomeTemplateSaveInput, welcomeTemplateUpdateInput } from '../../../shared/schemas/welcome-template'
import { orgAdminProcedure, orgProcedure, router } from '../../trpc/init'
import {
  assignWelcomeTemplate,
  createWelcomeTemplate,
  listWelcomeTemplates,
  removeWelcomeTemplate,
  updateWelcomeTemplate,
} from './welcome-templates.service'

export const welcomeTemplatesRouter = router({
  list: orgProcedure.query(({ ctx }) => listWelcomeTemplates(ctx.deps, ctx.orgId)),
  create: orgAdminProcedure.input(welcomeTemplateSaveInput).mutation(({ ctx, input }) => createWelcomeTemplate(ctx.deps, ctx.orgId, input)),
  update: orgAdminProcedure
    .input(welcomeTemplateUpdateInput)
    .mutation(({ ctx, input }) => updateWelcomeTemplate(ctx.deps, ctx.orgId, input)),
  remove: orgAdminProcedure.input(idInput).mutation(({ ctx, input }) => removeWelcomeTemplate(ctx.deps, ctx.orgId, input.id)),
  assign: orgAdminProcedure
    .input(welcomeTemplateAssignInput)
    .mutation(({ ctx, input }) => assignWelcomeTemplate(ctx.deps, ctx.orgId, input)),
})
