// customers.*: the customer list and profile, remark and tag edits (WeCom first), channels and lost relations.
import { idInput } from '../../../shared/schemas/common'
import { customerListInput, customerLostInput, customerUpdateRemarkInput, customerUpdateTagsInput } from '../../../shared/schemas/customer'
import { orgProcedure, router } from '../../trpc/init'
import { getCustomer, listChannels, listCustomers, listLost, updateRemark, updateTags } from './customers.service'

export const customersRouter = router({
  list: orgProcedure.input(customerListInput).query(({ ctx, input }) => listCustomers(ctx.deps, ctx.orgId, input)),
  get: orgProcedure.input(idInput).query(({ ctx, input }) => getCustomer(ctx.deps, ctx.orgId, input.id)),
  // Staff (org members) keep remarks and tags of their customers up to date, so these are not admin-only.
  updateRemark: orgProcedure.input(customerUpdateRemarkInput).mutation(({ ctx, input }) => updateRemark(ctx.deps, ctx.orgId, input)),
  updateTags: orgProcedure.input(customerUpdateTagsInput).mutation(({ ctx, input }) => updateTags(ctx.deps, ctx.orgId, input)),
  channels: orgProcedure.query(({ ctx }) => listChannels(ctx.deps, ctx.orgId)),
  lost: orgProcedure.input(customerLostInput).query(({ ctx, input }) => listLost(ctx.deps, ctx.orgId, input)),
})
