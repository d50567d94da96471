// oaConfig.*: the org's own Official Account (org admin) and the platform's account (super admin): view, save, test, templates, menu.
import { oaConfigSaveInput } from '../../../shared/schemas/oa-config'
import { generateEncodingAesKey } from '../../platform/crypto'
import { orgAdminProcedure, router, superAdminProcedure } from '../../trpc/init'
import { getOaConfigView, getOaMenu, listOaTemplates, saveOaConfig, setupOaMenu, testOaConnection } from './oa-config.service'

export const oaConfigRouter = router({
  get: orgAdminProcedure.query(({ ctx }) => getOaConfigView(ctx.deps, ctx.orgId)),
  save: orgAdminProcedure.input(oaConfigSaveInput).mutation(({ ctx, input }) => saveOaConfig(ctx.deps, ctx.orgId, input)),
  test: orgAdminProcedure.mutation(({ ctx }) => testOaConnection(ctx.deps, ctx.orgId)),
  templates: orgAdminProcedure.query(({ ctx }) => listOaTemplates(ctx.deps, ctx.orgId)),
  /** The custom menu of the account the org uses; setMenu adds or repoints its 绑定手机号 entry (platform account: super admin). */
  menu: orgAdminProcedure.query(({ ctx }) => getOaMenu(ctx.deps, ctx.orgId, ctx.user.role === 'super_admin')),
  setMenu: orgAdminProcedure.mutation(({ ctx }) => setupOaMenu(ctx.deps, ctx.orgId, ctx.user.role === 'super_admin')),
  generateAesKey: orgAdminProcedure.query(() => ({ encodingAesKey: generateEncodingAesKey() })),

  platformGet: superAdminProcedure.query(({ ctx }) => getOaConfigView(ctx.deps, null)),
  platformSave: superAdminProcedure.input(oaConfigSaveInput).mutation(({ ctx, input }) => saveOaConfig(ctx.deps, null, input)),
  platformTest: superAdminProcedure.mutation(({ ctx }) => testOaConnection(ctx.deps, null)),
  platformTemplates: superAdminProcedure.query(({ ctx }) => listOaTemplates(ctx.deps, null)),
})
