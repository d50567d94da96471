// The H5 page's tRPC client: type-only import of the router, so no server code reaches the bundle.
import { createTRPCClient, httpBatchLink, TRPCClientError } from '@trpc/client'
import type { AppRouter } from '../../../server/trpc/router'

export const api = createTRPCClient<AppRouter>({
  links: [
    httpBatchLink({
      url: '/trpc',
      fetch: (input, init) => fetch(input, { ...init, credentials: 'same-origin' }),
    }),
  ],
})

export function errorMessage(err: unknown): string {
  if (err instanceof TRPCClientError) return err.message || '请求失败'
  return err instanceof Error ? err.message : String(err)
}

/** The H5 session is missing or lapsed (30 min): the page goes back through WeChat's authorize page. */
export function isUnauthorized(err: unknown): boolean {
  return err instanceof TRPCClientError && (err.data as { code?: string } | undefined)?.code === 'UNAUTHORIZED'
}
