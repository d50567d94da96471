// users.*: an org admin manages the accounts of their own org.
import { z } from 'zod'
import { pageInput } from '../../../shared/schemas/common'
import { userCreateInput, userResetPasswordInput, userUpdateInput } from '../../../shared/schemas/auth'
import { orgAdminProcedure, router } from '../../trpc/init'
import { createUser, listUsers, resetPassword, updateUser } from './users.service'

export const usersRouter = router({
  list: orgAdminProcedure
    .input(pageInput.extend({ q: z.string().trim().max(100).optional() }))
    .query(({ ctx, input }) => listUsers(ctx.deps, ctx.orgId, input)),
  create: orgAdminProcedure.input(userCreateInput).mutation(({ ctx, input }) => createUser(ctx.deps, ctx.orgId, input)),
  update: orgAdminProcedure.input(userUpdateInput).mutation(({ ctx, input }) => updateUser(ctx.deps, ctx.orgId, ctx.user.id, input)),
  resetPassword: orgAdminProcedure.input(userResetPasswordInput).mutation(({ ctx, input }) => resetPassword(ctx.deps, ctx.orgId, input)),
})
