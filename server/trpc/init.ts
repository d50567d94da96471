// The one tRPC instance: procedure builders with auth, tenancy and audit middlewares.
import { initTRPC } from '@trpc/server'
import { ZodError } from 'zod'
import type { Context } from './context'
import { toTrpcError } from './errors'
import { writeAudit } from '../modules/audit/audit.service'
import { ForbiddenError, RateLimitedError, UnauthorizedError } from '../lib/errors'
import { PlatformError, SmsError } from '../platform/errors'
import { asInteractive } from '../platform/call-context'
import { PlatformRateLimitedError } from '../platform/call-core'

const t = initTRPC.context<Context>().create({
  errorFormatter({ shape, error, ctx }) {
    const zod = zodCause(error.cause)
    // In production an internal failure says only that it happened and which request it was; the detail is in the log.
    const hidden = error.code === 'INTERNAL_SERVER_ERROR' && ctx?.deps.config.production
    return {
      ...shape,
      message: zod ? describeZodError(zod) : hidden ? `服务器内部错误（请求编号 ${ctx?.reqId ?? '-'}）` : shape.message,
      data: {
        ...shape.data,
        stack: undefined,
        fieldErrors: zod ? fieldErrors(zod) : undefined,
        platform:
          error.cause instanceof PlatformError
            ? { errcode: error.cause.errcode, errmsg: error.cause.errmsg, endpoint: error.cause.endpoint, hint: error.cause.hint }
            : undefined,
      },
    }
  },
})

/** The ZodError behind a failure: tRPC's own input errors, or a domain error raised from a schema check. */
function zodCause(cause: unknown): ZodError | null {
  if (cause instanceof ZodError) return cause
  return cause instanceof Error && cause.cause instanceof ZodError ? cause.cause : null
}

function fieldErrors(e: ZodError): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  for (const i of e.issues) (out[i.path.join('.') || '_'] ??= []).push(i.message)
  return out
}

/** "输入无效：username: Too small…; password: …" — the field is named in the message itself. */
export function describeZodError(e: ZodError): string {
  return `输入无效：${e.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('；')}`
}

export const router = t.router
export const mergeRouters = t.mergeRouters
export const createCallerFactory = t.createCallerFactory
export const middleware = t.middleware

/** Every procedure: domain and platform errors become their tRPC codes here and nowhere else. */
const mapErrors = t.middleware(async ({ ctx, next }) => {
  // Someone waits for every procedure: platform calls in it fail fast on rate limits and stop once the browser leaves.
  const result = await asInteractive(ctx.signal, () => next())
  if (result.ok) return result
  const cause = result.error.cause ?? result.error
  if (cause instanceof RateLimitedError) ctx.setHeader('Retry-After', String(cause.retryAfterSec))
  if (cause instanceof SmsError && cause.retryAfterSec) ctx.setHeader('Retry-After', String(cause.retryAfterSec))
  if (cause instanceof PlatformRateLimitedError) ctx.setHeader('Retry-After', String(cause.retryAfterSec))
  const mapped = toTrpcError(result.error)
  if (mapped === result.error) return result
  throw mapped
})

const baseProcedure = t.procedure.use(mapErrors)

/** Records every mutation (after it ran) in audit_log, secrets removed from the input summary. */
const audited = t.middleware(async ({ ctx, type, path, getRawInput, next }) => {
  const result = await next()
  // Rejected input changed nothing and is not audited: invalid input writes no row at all.
  const invalidInput = !result.ok && result.error.cause instanceof ZodError
  if (type === 'mutation' && ctx.user && !path.startsWith('auth.') && !invalidInput) {
    const input = await getRawInput().catch(() => undefined)
    await writeAudit(ctx.deps, {
      user: ctx.user,
      action: path,
      input,
      ok: result.ok,
      error: result.ok ? null : result.error.message,
      ip: ctx.ip,
    }).catch((err) => ctx.deps.log.error({ err }, 'audit write failed'))
  }
  return result
})

export const publicProcedure = baseProcedure

export const authedProcedure = baseProcedure
  .use(({ ctx, next }) => {
    if (!ctx.user) throw new UnauthorizedError('请先登录')
    return next({ ctx: { ...ctx, user: ctx.user } })
  })
  .use(audited)

/** Tenant-scoped: orgId comes from the session (a super admin's chosen org), never from input. */
export const orgProcedure = authedProcedure.use(({ ctx, next }) => {
  const orgId = ctx.user.role === 'super_admin' ? ctx.user.actingOrgId : ctx.user.orgId
  if (!orgId) throw new ForbiddenError('请先选择要管理的机构')
  return next({ ctx: { ...ctx, orgId } })
})

export const orgAdminProcedure = orgProcedure.use(({ ctx, next }) => {
  if (ctx.user.role === 'org_member') throw new ForbiddenError('需要机构管理员权限')
  return next()
})

/** The staff H5 page: the signed H5 session names the org and the openid; no admin session is involved. */
export const h5Procedure = baseProcedure.use(({ ctx, next }) => {
  if (!ctx.h5) throw new UnauthorizedError('页面已过期，请从公众号菜单重新进入')
  return next({ ctx: { ...ctx, h5: ctx.h5 } })
})

export const superAdminProcedure = authedProcedure.use(({ ctx, next }) => {
  if (ctx.user.role !== 'super_admin') throw new ForbiddenError('需要平台管理员权限')
  return next()
})
