// The emulated qyapi.weixin.qq.com: every /cgi-bin endpoint group plus the token-free pages, under /sandbox/wecom.
import { type Request, type Response, Router } from 'express'
import type { SandboxContext } from '../context'
import { authEndpoints } from './auth'
import { contactWayEndpoints } from './contact-way'
import { type Endpoint, mountEndpoints } from './endpoint'
import { externalContactEndpoints } from './external-contact'
import { groupMsgEndpoints } from './group-msg'
import { mediaEndpoints } from './media'
import { messageEndpoints } from './message'
import { publicRouter } from './public'
import { tagEndpoints } from './tag'
import { tokenEndpoints } from './token'
import { userEndpoints } from './user'
import { welcomeEndpoints } from './welcome'

export const wecomEndpoints: Endpoint[] = [
  ...tokenEndpoints,
  ...contactWayEndpoints,
  ...externalContactEndpoints,
  ...tagEndpoints,
  ...welcomeEndpoints,
  ...groupMsgEndpoints,
  ...messageEndpoints,
  ...userEndpoints,
  ...mediaEndpoints,
  ...authEndpoints,
]

export function wecomRouter(ctx: SandboxContext): Router {
  const r = Router()
  mountEndpoints(r, ctx, wecomEndpoints)
  // An endpoint the sandbox does not emulate says so plainly, still in the errcode envelope clients parse.
  r.all('/cgi-bin/{*rest}', (req: Request, res: Response) => {
    res.status(404).json({ errcode: 404, errmsg: `sandbox: ${req.method} ${req.path} is not emulated` })
  })
  r.use(publicRouter(ctx))
  return r
}
