// The tRPC endpoint as Express middleware: the batch rules first, then the adapter with our context and error log.
import { createExpressMiddleware } from '@trpc/server/adapters/express'
import type { RequestHandler } from 'express'
import type { Deps } from '../deps'
import { batchLimit } from './batch-limit'
import { createExpressContext } from './context'
import { appRouter } from './router'

/** Mounted at /trpc by createApp. */
export function trpcMiddleware(deps: Deps): RequestHandler[] {
  return [
    batchLimit(),
    createExpressMiddleware({
      router: appRouter,
      createContext: ({ req, res }) => createExpressContext(deps, req, res),
      maxBodySize: 1024 * 1024,
      onError: ({ error, path }) => {
        if (error.code === 'INTERNAL_SERVER_ERROR') deps.log.error({ err: error.cause ?? error, path }, 'trpc procedure failed')
      },
    }),
  ]
}
