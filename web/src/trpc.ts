// The admin's typed tRPC client: batching over /trpc, a session-expiry hook and error-message helper.
import { createTRPCClient, httpBatchLink, httpLink, splitLink, TRPCClientError, type TRPCLink } from '@trpc/client'
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server'
import { observable } from '@trpc/server/observable'
import type { AppRouter } from '../../server/trpc/router'

export type RouterInputs = inferRouterInputs<AppRouter>
export type RouterOutputs = inferRouterOutputs<AppRouter>

type UnauthorizedHandler = () => void
let onUnauthorized: UnauthorizedHandler | null = null

/** Registered by main.ts (with the router), so this module does not import the router. */
export function setUnauthorizedHandler(handler: UnauthorizedHandler): void {
  onUnauthorized = handler
}

/** A failed login is also UNAUTHORIZED; only an expired session elsewhere sends the user to /login. */
const unauthorizedLink: TRPCLink<AppRouter> =
  () =>
  ({ op, next }) =>
    observable((observer) =>
      next(op).subscribe({
        next: (value) => observer.next(value),
        error: (err) => {
          if (err.data?.code === 'UNAUTHORIZED' && op.path !== 'auth.login') onUnauthorized?.()
          observer.error(err)
        },
        complete: () => observer.complete(),
      }),
    )

const sameOrigin: typeof fetch = (input, init) => fetch(input, { ...init, credentials: 'same-origin' })

/** Password checks go alone: the server refuses them inside any batch (server/trpc/batch-limit.ts). */
const UNBATCHED = new Set(['auth.login', 'auth.changePassword'])

export const trpc = createTRPCClient<AppRouter>({
  links: [
    unauthorizedLink,
    splitLink({
      condition: (op) => UNBATCHED.has(op.path),
      true: httpLink({ url: '/trpc', fetch: sameOrigin }),
      false: httpBatchLink({ url: '/trpc', fetch: sameOrigin }),
    }),
  ],
})

/** The text to show for a failed call: the server's message, or the platform hint with its errcode. */
export function errorMessage(err: unknown): string {
  if (err instanceof TRPCClientError) {
    // `data.platform` is typed by the server's errorFormatter (server/trpc/init.ts).
    const platform = (err as TRPCClientError<AppRouter>).data?.platform
    if (platform) return `${platform.hint}（错误码 ${platform.errcode}）`
    if (!err.data && /fetch|network/i.test(err.message)) return '网络异常，请检查连接后重试'
    return err.message || '请求失败'
  }
  if (err instanceof Error) return err.message
  return String(err)
}

export function isUnauthorized(err: unknown): boolean {
  return err instanceof TRPCClientError && err.data?.code === 'UNAUTHORIZED'
}
