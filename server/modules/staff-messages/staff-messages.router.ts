// staffMessages.*: 通知员工 — a textcard app message to chosen WeCom staff.
import { staffMessageInput } from '../../../shared/schemas/staff-message'
import { orgAdminProcedure, router } from '../../trpc/init'
import { sendStaffMessage } from './staff-messages.service'

export const staffMessagesRouter = router({
  send: orgAdminProcedure.input(staffMessageInput).mutation(({ ctx, input }) => sendStaffMessage(ctx.deps, ctx.orgId, input)),
})
