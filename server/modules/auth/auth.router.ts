// auth.*: login, logout, who am I, change password, super admin's org switch.
import { InvalidInputError } from '../../lib/errors'
import { z } from 'zod'
import { changePasswordInput, loginInput } from '../../../shared/schemas/auth'
import { authedProcedure, publicProcedure, router, superAdminProcedure } from '../../trpc/init'
import { login, logout, resolveSession, switchOrg, toMe } from './auth.service'
import { hashPassword, verifyPassword } from './password'

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

  switchOrg: superAdminProcedure.input(z.object({ orgId: z.number().int().positive() })).mutation(async ({ ctx, input }) => {
    await switchOrg(ctx.deps, ctx.user, input.orgId)
    return toMe({ ...ctx.user, ...(await orgNames(ctx, input.orgId)) })
  }),

  changePassword: authedProcedure.input(changePasswordInput).mutation(async ({ ctx, input }) => {
    const row = await ctx.deps.db.selectFrom('admin_users').select('password_hash').where('id', '=', ctx.user.id).executeTakeFirstOrThrow()
    if (!(await verifyPassword(input.oldPassword, row.password_hash))) {
      throw new InvalidInputError('原密码不正确')
    }
    await ctx.deps.db
      .updateTable('admin_users')
      .set({ password_hash: await hashPassword(input.newPassword), updated_at: ctx.deps.clock.now() })
      .where('id', '=', ctx.user.id)
      .execute()
    // Other sessions of this user end; this one stays.
    await ctx.deps.db.deleteFrom('sessions').where('user_id', '=', ctx.user.id).where('id', '!=', ctx.user.sessionId).execute()
    return { ok: true as const }
  }),
})

async function orgNames(ctx: { deps: Parameters<typeof resolveSession>[0] }, orgId: number) {
  const org = await ctx.deps.db.selectFrom('orgs').select('name').where('id', '=', orgId).executeTakeFirst()
  return { actingOrgId: orgId, actingOrgName: org?.name ?? null }
}
