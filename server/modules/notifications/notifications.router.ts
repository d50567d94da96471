// notify.*: 通知设置 (org admin), 通知记录 and resend (org admin), 站内信 (any signed-in user of the org), 公告 (published by the super admin).
import { z } from 'zod'
import { idInput, pageInput } from '../../../shared/schemas/common'
import {
  announcementPublishInput,
  inboxListInput,
  notificationListInput,
  notifySettingsSaveInput,
  previewInput,
} from '../../../shared/schemas/notify'
import { authedProcedure, orgAdminProcedure, orgProcedure, router, superAdminProcedure } from '../../trpc/init'
import { listInbox, markAllRead, markRead, openInbox, unreadCount } from './inbox.service'
import { getNotifySettingsView, previewTemplate, saveNotifySettings } from './notify-settings.service'
import { listAnnouncements, listNotifications, publishAnnouncement, resendDelivery } from './records.service'

export const notifyRouter = router({
  settings: orgAdminProcedure.query(({ ctx }) => getNotifySettingsView(ctx.deps, ctx.orgId)),
  saveSettings: orgAdminProcedure
    .input(notifySettingsSaveInput)
    .mutation(({ ctx, input }) => saveNotifySettings(ctx.deps, ctx.orgId, input)),
  preview: orgAdminProcedure.input(previewInput).query(({ ctx, input }) => previewTemplate(ctx.deps, ctx.orgId, input)),

  records: orgAdminProcedure.input(notificationListInput).query(({ ctx, input }) => listNotifications(ctx.deps, ctx.orgId, input)),
  resend: orgAdminProcedure.input(idInput).mutation(({ ctx, input }) => resendDelivery(ctx.deps, ctx.orgId, input.id)),

  inbox: orgProcedure.input(inboxListInput).query(({ ctx, input }) => listInbox(ctx.deps, ctx.orgId, ctx.user.id, input)),
  unread: orgProcedure.query(({ ctx }) => unreadCount(ctx.deps, ctx.orgId, ctx.user.id)),
  markRead: orgProcedure
    .input(z.object({ ids: z.array(z.number().int().positive()).min(1).max(100) }))
    .mutation(({ ctx, input }) => markRead(ctx.deps, ctx.orgId, ctx.user.id, input.ids)),
  markAllRead: orgProcedure.mutation(({ ctx }) => markAllRead(ctx.deps, ctx.orgId, ctx.user.id)),
  open: orgProcedure.input(idInput).mutation(({ ctx, input }) => openInbox(ctx.deps, ctx.orgId, ctx.user.id, input.id)),

  announcements: authedProcedure.input(pageInput).query(({ ctx, input }) => listAnnouncements(ctx.deps, input)),
  publish: superAdminProcedure
    .input(announcementPublishInput)
    .mutation(({ ctx, input }) => publishAnnouncement(ctx.deps, ctx.user.id, input)),
})
