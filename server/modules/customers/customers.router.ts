// customers.*: the customer list and profile, remark and tag edits (WeCom first), channels and lost relations.
import { idInput } from '../../../shared/schemas/common'
import {
  customerListInput,
  customerTagBatchInput,
  customerSyncSettingsInput,
  customerUpdateRemarkInput,
  customerUpdateTagsInput,
} from '../../../shared/schemas/customer'
import { customerTimelineInput } from '../../../shared/schemas/customer-timeline'
import { customerTimeline } from './customer-timeline.service'
import { orgAdminProcedure, orgProcedure, router } from '../../trpc/init'
import {
  getCustomer,
  listChannels,
  listCustomers,
  startSync,
  syncStatus,
  updateRemark,
  updateSyncSettings,
  updateTags,
} from './customers.service'
import { startTagBatch, tagBatchProgress } from './customers.batch'

export const customersRouter = router({
  list: orgProcedure.input(customerListInput).query(({ ctx, input }) => listCustomers(ctx.deps, ctx.orgId, input)),
  get: orgProcedure.input(idInput).query(({ ctx, input }) => getCustomer(ctx.deps, ctx.orgId, input.id)),
  /** The profile's timeline, paged on the server, newest first. */
  timeline: orgProcedure.input(customerTimelineInput).query(({ ctx, input }) => customerTimeline(ctx.deps, ctx.orgId, input)),
  // Staff (org members) keep remarks and tags of their customers up to date, so these are not admin-only.
  updateRemark: orgProcedure
    .input(customerUpdateRemarkInput)
    .mutation(({ ctx, input }) => updateRemark(ctx.deps, ctx.orgId, input, ctx.user.id)),
  updateTags: orgProcedure.input(customerUpdateTagsInput).mutation(({ ctx, input }) => updateTags(ctx.deps, ctx.orgId, input, ctx.user.id)),
  // 批量打标签 / 批量移除标签: one job per relation; the dialog polls tagBatchStatus.
  tagBatch: orgProcedure.input(customerTagBatchInput).mutation(({ ctx, input }) => startTagBatch(ctx.deps, ctx.orgId, input, ctx.user.id)),
  tagBatchStatus: orgProcedure.input(idInput).query(({ ctx, input }) => tagBatchProgress(ctx.deps, ctx.orgId, input.id)),
  channels: orgProcedure.query(({ ctx }) => listChannels(ctx.deps, ctx.orgId)),
  /** 上次同步 and the live progress of the org's customer sync. */
  syncStatus: orgProcedure.query(({ ctx }) => syncStatus(ctx.deps, ctx.orgId)),
  // 立即同步: an admin of the org syncs their own org; one run per org at a time (409 while one runs).
  syncNow: orgAdminProcedure.mutation(({ ctx }) => startSync(ctx.deps, ctx.orgId)),
  syncSettings: orgAdminProcedure
    .input(customerSyncSettingsInput)
    .mutation(({ ctx, input }) => updateSyncSettings(ctx.deps, ctx.orgId, input)),
})
