// broadcasts.*: 群发 to customers through add_msg_template — compose, count, schedule, send, remind, cancel, results.
import { idInput } from '../../../shared/schemas/common'
import {
  broadcastConversionInput,
  customerCsvInput,
  broadcastListInput,
  broadcastPreviewInput,
  broadcastSaveInput,
  broadcastSettingsInput,
  broadcastTargetListInput,
  broadcastUpdateInput,
  broadcastUploadImageInput,
} from '../../../shared/schemas/broadcast'
import { orgAdminProcedure, orgProcedure, router } from '../../trpc/init'
import {
  broadcastConversion,
  cancelBroadcast,
  createBroadcast,
  getBroadcast,
  getBroadcastSettings,
  listBroadcasts,
  listBroadcastTargets,
  nudgeUnconfirmed,
  pollBroadcastResults,
  previewBroadcast,
  remindBroadcast,
  sendBroadcast,
  setBroadcastSettings,
  simulateConfirm,
  updateBroadcast,
  uploadBroadcastImage,
} from './broadcasts.service'
import { customersFromCsv } from './broadcasts.csv'

export const broadcastsRouter = router({
  list: orgProcedure.input(broadcastListInput).query(({ ctx, input }) => listBroadcasts(ctx.deps, ctx.orgId, input)),
  get: orgProcedure.input(idInput).query(({ ctx, input }) => getBroadcast(ctx.deps, ctx.orgId, input.id)),
  targets: orgProcedure.input(broadcastTargetListInput).query(({ ctx, input }) => listBroadcastTargets(ctx.deps, ctx.orgId, input)),
  /** Recipient count and warnings before sending (mutation-free, but may read many rows: admins only). */
  preview: orgAdminProcedure.input(broadcastPreviewInput).query(({ ctx, input }) => previewBroadcast(ctx.deps, ctx.orgId, input)),
  /** Targets from a CSV of external_userids or remark mobiles: read-only, but a mutation because the file is large. */
  csvTargets: orgAdminProcedure.input(customerCsvInput).mutation(({ ctx, input }) => customersFromCsv(ctx.deps, ctx.orgId, input.base64)),
  create: orgAdminProcedure
    .input(broadcastSaveInput)
    .mutation(({ ctx, input }) => createBroadcast(ctx.deps, ctx.orgId, ctx.user.id, input)),
  update: orgAdminProcedure.input(broadcastUpdateInput).mutation(({ ctx, input }) => updateBroadcast(ctx.deps, ctx.orgId, input)),
  send: orgAdminProcedure.input(idInput).mutation(({ ctx, input }) => sendBroadcast(ctx.deps, ctx.orgId, input.id)),
  cancel: orgAdminProcedure.input(idInput).mutation(({ ctx, input }) => cancelBroadcast(ctx.deps, ctx.orgId, input.id)),
  remind: orgAdminProcedure.input(idInput).mutation(({ ctx, input }) => remindBroadcast(ctx.deps, ctx.orgId, input.id)),
  /** 刷新结果: polls the platform now instead of waiting for the next 10-minute round. */
  refreshResults: orgAdminProcedure.input(idInput).mutation(({ ctx, input }) => pollBroadcastResults(ctx.deps, ctx.orgId, input.id)),
  /** Sandbox only: 模拟确认 — the senders confirm in the emulated client. */
  simulateConfirm: orgAdminProcedure.input(idInput).mutation(({ ctx, input }) => simulateConfirm(ctx.deps, ctx.orgId, input.id)),
  /** An image attachment: stored and uploaded (media/upload); its media_id is renewed at send time when it nears 3 days. */
  uploadImage: orgAdminProcedure
    .input(broadcastUploadImageInput)
    .mutation(({ ctx, input }) => uploadBroadcastImage(ctx.deps, ctx.orgId, input)),
  /** 转化: delivered targets who got the chosen tag within N days. */
  conversion: orgProcedure.input(broadcastConversionInput).query(({ ctx, input }) => broadcastConversion(ctx.deps, ctx.orgId, input)),
  /** 通知员工: an app message to the senders who have not confirmed. */
  notifyUnconfirmed: orgAdminProcedure.input(idInput).mutation(({ ctx, input }) => nudgeUnconfirmed(ctx.deps, ctx.orgId, input.id)),
  settings: orgProcedure.query(({ ctx }) => getBroadcastSettings(ctx.deps, ctx.orgId)),
  saveSettings: orgAdminProcedure
    .input(broadcastSettingsInput)
    .mutation(({ ctx, input }) => setBroadcastSettings(ctx.deps, ctx.orgId, input.receiveLimit)),
})
