// employees.*: 员工 who receive alerts on their personal WeChat through the Official Account (not WeCom members).
import { idInput } from '../../../shared/schemas/common'
import {
  employeeCreateInput,
  employeeImportCsvInput,
  employeeImportWecomInput,
  employeeListInput,
  employeeUpdateInput,
} from '../../../shared/schemas/employee'
import { orgAdminProcedure, orgProcedure, router } from '../../trpc/init'
import {
  createEmployee,
  employeeBindingQr,
  exportEmployeesCsv,
  importEmployeesCsv,
  importFromWecom,
  listEmployeesPage,
  removeEmployee,
  unbindEmployee,
  updateEmployee,
  wecomCandidates,
} from './employees.service'

export const employeesRouter = router({
  /** The 绑定二维码 dialog: the org's H5 binding URL as a QR image. */
  bindingQr: orgProcedure.query(({ ctx }) => employeeBindingQr(ctx.deps, ctx.orgId)),
  list: orgProcedure.input(employeeListInput).query(({ ctx, input }) => listEmployeesPage(ctx.deps, ctx.orgId, input)),
  create: orgAdminProcedure.input(employeeCreateInput).mutation(({ ctx, input }) => createEmployee(ctx.deps, ctx.orgId, input)),
  update: orgAdminProcedure.input(employeeUpdateInput).mutation(({ ctx, input }) => updateEmployee(ctx.deps, ctx.orgId, input)),
  remove: orgAdminProcedure.input(idInput).mutation(({ ctx, input }) => removeEmployee(ctx.deps, ctx.orgId, input.id)),
  unbind: orgAdminProcedure.input(idInput).mutation(({ ctx, input }) => unbindEmployee(ctx.deps, ctx.orgId, input.id)),
  /** The 从企业微信导入 dialog's member list. */
  wecomCandidates: orgAdminProcedure.query(({ ctx }) => wecomCandidates(ctx.deps, ctx.orgId)),
  importFromWecom: orgAdminProcedure
    .input(employeeImportWecomInput)
    .mutation(({ ctx, input }) => importFromWecom(ctx.deps, ctx.orgId, input)),
  /** Bulk personal data (mobiles): admins only. */
  exportCsv: orgAdminProcedure.query(({ ctx }) => exportEmployeesCsv(ctx.deps, ctx.orgId)),
  importCsv: orgAdminProcedure.input(employeeImportCsvInput).mutation(({ ctx, input }) => importEmployeesCsv(ctx.deps, ctx.orgId, input)),
})
