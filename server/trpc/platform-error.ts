// Turns platform failures into TRPCErrors whose cause is the PlatformError, so the formatter adds data.platform.
import { TRPCError } from '@trpc/server'
import { PlatformError, PlatformTransportError } from '../platform/errors'

/** Codes the admin can fix by changing the request (wrong id, no relation, duplicate name…); the rest are WeCom's side. */
const CALLER_CODES = new Set([40003, 40058, 40063, 40068, 40071, 40096, 41009, 60111, 84061])

export function toTrpcError(err: unknown): unknown {
  if (err instanceof PlatformError) {
    return new TRPCError({
      code: CALLER_CODES.has(err.errcode) ? 'BAD_REQUEST' : 'BAD_GATEWAY',
      message: `${err.hint}（错误码 ${err.errcode}）`,
      cause: err,
    })
  }
  if (err instanceof PlatformTransportError) return new TRPCError({ code: 'BAD_GATEWAY', message: `无法连接企业微信：${err.message}`, cause: err })
  return err
}

/** Runs one platform call; its failure surfaces as a TRPCError carrying errcode + hint. */
export async function platformCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (err) {
    throw toTrpcError(err)
  }
}
