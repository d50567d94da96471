// Request handlers tried before the Express app, for hot paths that must not pay for Express and its middleware.
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http'

/** Takes the request (and answers it) by returning true; false leaves it untouched for the next handler. */
export type FastPath = (req: IncomingMessage, res: ServerResponse) => boolean

export function withFastPaths(app: RequestListener, paths: readonly FastPath[]): RequestListener {
  if (paths.length === 0) return app
  return (req, res) => {
    for (const p of paths) if (p(req, res)) return
    app(req, res)
  }
}
