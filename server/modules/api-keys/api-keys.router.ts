// apiKeys.*: API 密钥 for the events ingest API (org admins); the secret leaves the server once, in create's answer.
import { idInput } from '../../../shared/schemas/common'
import { apiKeyCreateInput } from '../../../shared/schemas/api-key'
import { orgAdminProcedure, router } from '../../trpc/init'
import { createApiKey, listApiKeyViews, revokeKey } from './api-keys.service'

export const apiKeysRouter = router({
  list: orgAdminProcedure.query(({ ctx }) => listApiKeyViews(ctx.deps, ctx.orgId)),
  create: orgAdminProcedure
    .input(apiKeyCreateInput)
    .mutation(({ ctx, input }) => createApiKey(ctx.deps, ctx.orgId, { name: input.name, createdBy: ctx.user.id })),
  revoke: orgAdminProcedure.input(idInput).mutation(({ ctx, input }) => revokeKey(ctx.deps, ctx.orgId, input.id)),
})
