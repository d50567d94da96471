// Security headers on every Express response (helmet): a CSP per page family, no framing, nosniff, referrer, HSTS on https.
import type { NextFunction, Request, RequestHandler, Response } from 'express'
import helmet from 'helmet'

/** WeChat's JS-SDK (jweixin) is only ever loaded from here, and only by the H5 page. */
export const WECHAT_JSSDK_ORIGIN = 'https://res.wx.qq.com'

export interface SecurityHeadersOptions {
  /** HSTS and upgrade-insecure-requests only make sense when the public URL is https; on plain http they break the demo. */
  https: boolean
}

type Directives = Record<string, string[]>

/**
 * The admin's policy. Scripts are 'self' only (zod runs jitless in the pages, so no 'unsafe-eval'). Styles: stylesheets
 * from 'self' only, so injected <style> blocks are refused; style *attributes* are allowed (style-src-attr), since
 * element-plus and echarts position poppers, size columns and build tooltip markup with them — Vue's own style
 * bindings go through the CSSOM, which CSP does not restrict. img-src allows https: because customer avatars and
 * WeCom's QR images come from Tencent's CDNs (wework.qpic.cn, thirdwx.qlogo.cn …).
 */
export function adminDirectives(https: boolean): Directives {
  return {
    'default-src': ["'self'"],
    'base-uri': ["'self'"],
    'connect-src': ["'self'"],
    'font-src': ["'self'", 'data:'],
    'form-action': ["'self'"],
    'frame-ancestors': ["'none'"],
    'img-src': ["'self'", 'data:', 'blob:', 'https:'],
    'object-src': ["'none'"],
    'script-src': ["'self'"],
    'script-src-attr': ["'none'"],
    'style-src': ["'self'"],
    'style-src-attr': ["'unsafe-inline'"],
    ...(https ? { 'upgrade-insecure-requests': [] } : {}),
  }
}

/** The staff page opened inside WeChat: the admin's policy plus the JS-SDK's origin for scripts. */
export function h5Directives(https: boolean): Directives {
  return { ...adminDirectives(https), 'script-src': ["'self'", WECHAT_JSSDK_ORIGIN] }
}

/** The emulator's own HTML pages (scan page, OAuth picker) are demo tools with inline script and style. */
export function sandboxDirectives(https: boolean): Directives {
  return { ...adminDirectives(https), 'script-src': ["'self'", "'unsafe-inline'"], 'style-src': ["'self'", "'unsafe-inline'"] }
}

function helmetWith(
  directives: Directives,
  https: boolean,
  resourcePolicy: 'same-origin' | 'cross-origin' = 'same-origin',
): RequestHandler {
  return helmet({
    contentSecurityPolicy: { useDefaults: false, directives },
    crossOriginResourcePolicy: { policy: resourcePolicy },
    xFrameOptions: { action: 'deny' },
    referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
    strictTransportSecurity: https ? { maxAge: 31_536_000, includeSubDomains: false } : false,
  }) as RequestHandler
}

const under = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}/`)

export function securityHeaders(opts: SecurityHeadersOptions): RequestHandler {
  const admin = helmetWith(adminDirectives(opts.https), opts.https)
  const h5 = helmetWith(h5Directives(opts.https), opts.https)
  // The sandbox stands in for Tencent's CDNs (QR images, avatars, media), which the admin embeds from another origin
  // whenever PUBLIC_BASE_URL (e.g. a LAN address) differs from the address the admin was opened at.
  const sandbox = helmetWith(sandboxDirectives(opts.https), opts.https, 'cross-origin')
  return (req: Request, res: Response, next: NextFunction) => {
    const handler = under(req.path, '/h5') ? h5 : under(req.path, '/sandbox') ? sandbox : admin
    handler(req, res, next)
  }
}
