// audit.list: the org's audit log (a super admin sees the org they act in).
import { z } from 'zod'
import { pageInput } from '../../../shared/schemas/common'
import { orgAdminProcedure, router } from '../../trpc/init'
import { contains } from '../../db/dialect'
import { fetchPage } from '../../db/paginate'

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
      let q = ctx.deps.db.selectFrom('audit_log').where('org_id', '=', ctx.orgId)
      if (input.action) q = q.where(contains('action', input.action))
      if (input.username) q = q.where('username', '=', input.username)
      if (input.from) q = q.where('created_at', '>=', input.from)
      if (input.to) q = q.where('created_at', '<', input.to)
      const { rows, total } = await fetchPage(q, input, (p) => p.selectAll().orderBy('id', 'desc'))
      return {
        total,
        items: rows.map((r) => ({ id: r.id, username: r.username, action: r.action, inputSummary: r.input_summary, result: r.result, error: r.error, ip: r.ip, createdAt: r.created_at })),
      }
    }),
})
