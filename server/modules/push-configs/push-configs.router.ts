// pushConfigs.*: 推送配置 — which intention levels of which script template alert which employees, and how.
import { idInput } from '../../../shared/schemas/common'
import { pushConfigCreateInput, pushConfigListInput, pushConfigUpdateInput } from '../../../shared/schemas/push-config'
import { orgAdminProcedure, orgProcedure, router } from '../../trpc/init'
import { createPushConfig, getPushConfig, listPushConfigsPage, removePushConfig, updatePushConfig } from './push-configs.service'

export const pushConfigsRouter = router({
  list: orgProcedure.input(pushConfigListInput).query(({ ctx, input }) => listPushConfigsPage(ctx.deps, ctx.orgId, input)),
  get: orgProcedure.input(idInput).query(({ ctx, input }) => getPushConfig(ctx.deps, ctx.orgId, input.id)),
  create: orgAdminProcedure.input(pushConfigCreateInput).mutation(({ ctx, input }) => createPushConfig(ctx.deps, ctx.orgId, input)),
  update: orgAdminProcedure.input(pushConfigUpdateInput).mutation(({ ctx, input }) => updatePushConfig(ctx.deps, ctx.orgId, input)),
  remove: orgAdminProcedure.input(idInput).mutation(({ ctx, input }) => removePushConfig(ctx.deps, ctx.orgId, input.id)),
})
