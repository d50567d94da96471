// wecomConfig.*: view (masked), save, test connection, staff list for pickers.
import { generateEncodingAesKey } from '../../platform/crypto'
import { wecomConfigSaveInput } from '../../../shared/schemas/wecom-config'
import { orgAdminProcedure, orgProcedure, router } from '../../trpc/init'
import { findActiveStaff } from './wecom-config.repository'
import { getConfigView, saveConfig, testConnection } from './wecom-config.service'

export const wecomConfigRouter = router({
  get: orgAdminProcedure.query(({ ctx }) => getConfigView(ctx.deps, ctx.orgId)),
  save: orgAdminProcedure.input(wecomConfigSaveInput).mutation(({ ctx, input }) => saveConfig(ctx.deps, ctx.orgId, input)),
  test: orgAdminProcedure.mutation(({ ctx }) => testConnection(ctx.deps, ctx.orgId)),
  /** A fresh EncodingAESKey for the 「随机生成」 button (generated server-side with crypto randomness). */
  generateAesKey: orgAdminProcedure.query(() => ({ encodingAesKey: generateEncodingAesKey() })),
  staff: orgProcedure.query(({ ctx }) => findActiveStaff(ctx.deps.db, ctx.orgId)),
})
