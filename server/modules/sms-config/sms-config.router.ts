// smsConfig.*: the org's Tencent Cloud SMS settings (org admin): view (masked), save, send a test code.
import { smsConfigSaveInput, smsConfigTestInput } from '../../../shared/schemas/sms-config'
import { orgAdminProcedure, router } from '../../trpc/init'
import { getSmsConfigView, saveSmsConfig, testSmsConfig } from './sms-config.service'

export const smsConfigRouter = router({
  get: orgAdminProcedure.query(({ ctx }) => getSmsConfigView(ctx.deps, ctx.orgId)),
  save: orgAdminProcedure.input(smsConfigSaveInput).mutation(({ ctx, input }) => saveSmsConfig(ctx.deps, ctx.orgId, input)),
  test: orgAdminProcedure.input(smsConfigTestInput).mutation(({ ctx, input }) => testSmsConfig(ctx.deps, ctx.orgId, input)),
})
