// The one mapping from what services throw (domain errors, PlatformError) to tRPC errors the client understands.
import { TRPCError } from '@trpc/server'
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc'
import { DomainError, type DomainErrorKind } from '../lib/errors'
import { CallAbortedError } from '../platform/call-context'
import { PlatformRateLimitedError } from '../platform/call-core'
import { isCallerError, PlatformError, PlatformTransportError, SmsError } from '../platform/errors'

const CODES: Record<DomainErrorKind, TRPC_ERROR_CODE_KEY> = {
  not_found: 'NOT_FOUND',
  conflict: 'CONFLICT',
  precondition: 'PRECONDITION_FAILED',
  invalid_input: 'BAD_REQUEST',
  forbidden: 'FORBIDDEN',
  unauthorized: 'UNAUTHORIZED',
  rate_limited: 'TOO_MANY_REQUESTS',
}

/** A TRPCError for anything a procedure threw; the original stays as `cause` (the formatter reads PlatformError from it). */
export function toTrpcError(err: unknown): TRPCError {
  if (err instanceof TRPCError) {
    const inner = err.cause
    return inner instanceof DomainError ||
      inner instanceof PlatformError ||
      inner instanceof PlatformTransportError ||
      inner instanceof CallAbortedError
      ? toTrpcError(inner)
      : err
  }
  if (err instanceof DomainError) return new TRPCError({ code: CODES[err.kind], message: err.message, cause: err })
  if (err instanceof SmsError) {
    // Tencent Cloud's codes are names, not numbers; a frequency limit is the sender's to wait out, not a gateway fault.
    const code = err.kind === 'rate_limited' ? 'TOO_MANY_REQUESTS' : err.kind === 'platform' ? 'BAD_GATEWAY' : 'BAD_REQUEST'
    return new TRPCError({ code, message: `${err.hint}（${err.code}）`, cause: err })
  }
  if (err instanceof PlatformRateLimitedError) {
    return new TRPCError({ code: 'TOO_MANY_REQUESTS', message: `${err.hint}（错误码 ${err.errcode}）`, cause: err })
  }
  if (err instanceof CallAbortedError) {
    // Nobody reads this answer (the browser has gone); the code says so in the logs.
    return new TRPCError({ code: 'CLIENT_CLOSED_REQUEST', message: '请求已取消，未发送到平台', cause: err })
  }
  if (err instanceof PlatformError) {
    return new TRPCError({
      code: isCallerError(err) ? 'BAD_REQUEST' : 'BAD_GATEWAY',
      message: `${err.hint}（错误码 ${err.errcode}）`,
      cause: err,
    })
  }
  if (err instanceof PlatformTransportError) {
    return new TRPCError({ code: 'BAD_GATEWAY', message: `无法连接${platformLabel(err.platform)}：${err.message}`, cause: err })
  }
  return new TRPCError({
    code: 'INTERNAL_SERVER_ERROR',
    cause: err instanceof Error ? err : undefined,
    message: err instanceof Error ? err.message : String(err),
  })
}

function platformLabel(p: PlatformTransportError['platform']): string {
  return p === 'wecom' ? '企业微信' : p === 'oa' ? '微信公众平台' : '短信平台'
}
