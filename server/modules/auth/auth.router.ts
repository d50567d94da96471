// auth.*: login, logout, who am I, change password, super admin's org switch.
import { z } from 'zod'
import { changePasswordInput, loginInput } from '../../../shared/schemas/auth'
import { authedProcedure, publicProcedure, router, superAdminProcedure } from '../../trpc/init'
import { changePassword, login, logout, switchOrg, toMe } from './auth.service'

export const authRouter = router({
  login: publicProcedure.input(loginInput).mutation(async ({ ctx, input }) => {
    const { token, expiresAt, user } = await login(ctx.deps, { ...input, ip: ctx.ip, userAgent: ctx.userAgent })
    ctx.cookies.set(token, expiresAt)
    return { user: toMe(user) }
  }),

  logout: authedProcedure.mutation(async ({ ctx }) => {
    await logout(ctx.deps, ctx.user.sessionId)
    ctx.cookies.clear()
    return { ok: true as const }
  }),

  me: publicProcedure.query(({ ctx }) => (ctx.user ? toMe(ctx.user) : null)),

  switchOrg: superAdminProcedure
    .input(z.object({ orgId: z.number().int().positive() }))
    .mutation(async ({ ctx, input }) => toMe(await switchOrg(ctx.deps, ctx.user, input.orgId))),

  changePassword: authedProcedure.input(changePasswordInput).mutation(async ({ ctx, input }) => {
    await changePassword(ctx.deps, ctx.user, { ...input, ip: ctx.ip })
    return { ok: true as const }
  }),
})
