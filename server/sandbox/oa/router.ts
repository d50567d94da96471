// The emulated api.weixin.qq.com (and the open.weixin.qq.com authorize page) under /sandbox/oa.
import { type Request, type Response, Router } from 'express'
import type { SandboxContext } from '../context'
import { mountOaEndpoints, type OaEndpoint } from './endpoint'
import { jsapiEndpoints } from './jsapi'
import { menuEndpoints } from './menu'
import { authorizeRouter, oauthEndpoints } from './oauth'
import { qrcodeEndpoints } from './qrcode'
import { templateEndpoints } from './template'
import { tokenEndpoints } from './token'
import { userEndpoints } from './user'

export const oaEndpoints: OaEndpoint[] = [
  ...tokenEndpoints,
  ...templateEndpoints,
  ...userEndpoints,
  ...jsapiEndpoints,
  ...oauthEndpoints,
  ...qrcodeEndpoints,
  ...menuEndpoints,
]

export function oaRouter(ctx: SandboxContext): Router {
  const r = Router()
  mountOaEndpoints(r, ctx, oaEndpoints)
  r.all(['/cgi-bin/{*rest}', '/sns/{*rest}'], (req: Request, res: Response) => {
    res.status(404).json({ errcode: 404, errmsg: `sandbox: ${req.method} ${req.path} is not emulated` })
  })
  r.use(authorizeRouter(ctx))
  return r
}
