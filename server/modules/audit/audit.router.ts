// audit.list: the org's audit log (a super admin sees the org they act in).
import { z } from 'zod'
import { pageInput } from '../../../shared/schemas/common'
import { orgAdminProcedure, router } from '../../trpc/init'
import { listAuditEntries } from './audit.repository'

export const auditRouter = router({
  list: orgAdminProcedure
    .input(
      pageInput.extend({
        action: z.string().trim().max(100).optional(),
        username: z.string().trim().max(64).optional(),
        from: z.number().int().optional(),
        to: z.number().int().optional(),
      }),
    )
    .query(async ({ ctx, input }) => {
      const { rows, total } = await listAuditEntries(ctx.deps.db, ctx.orgId, input)
      return {
        total,
        items: rows.map((r) => ({
          id: r.id,
          username: r.username,
          action: r.action,
          inputSummary: r.input_summary,
          result: r.result,
          error: r.error,
          ip: r.ip,
          createdAt: r.created_at,
        })),
      }
    }),
})
