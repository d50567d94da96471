// lostCustomers.*: the 流失客户 tab (list, CSV export) and the per-org lost-customer alert setting.
import { lostAlertSettingInput, lostFilterInput, lostListInput } from '../../../shared/schemas/lost-customer'
import { orgAdminProcedure, orgProcedure, router } from '../../trpc/init'
import { exportLostCustomersCsv, getLostAlertSetting, listLostCustomers, updateLostAlertSetting } from './lost-customers.service'

export const lostCustomersRouter = router({
  list: orgProcedure.input(lostListInput).query(({ ctx, input }) => listLostCustomers(ctx.deps, ctx.orgId, input)),
  /** Bulk customer data: admins only. */
  exportCsv: orgAdminProcedure.input(lostFilterInput).query(({ ctx, input }) => exportLostCustomersCsv(ctx.deps, ctx.orgId, input)),
  alertSetting: orgProcedure.query(({ ctx }) => getLostAlertSetting(ctx.deps, ctx.orgId)),
  saveAlertSetting: orgAdminProcedure
    .input(lostAlertSettingInput)
    .mutation(({ ctx, input }) => updateLostAlertSetting(ctx.deps, ctx.orgId, input)),
})
