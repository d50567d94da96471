// ingest.*: the 模拟外呼 demo control — posts a signed, realistic batch through the real ingest route (sandbox/demo only).
import { z } from 'zod'
import { orgAdminProcedure, router } from '../../trpc/init'
import { simulateCalls } from './demo-simulate'

export const ingestRouter = router({
  simulate: orgAdminProcedure
    .input(z.object({ calls: z.number().int().min(220).max(5000).default(300) }))
    .mutation(({ ctx, input }) => simulateCalls(ctx.deps, ctx.orgId, input)),
})
