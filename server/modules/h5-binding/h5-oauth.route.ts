// The H5 page's door: without a session for the org it goes to WeChat's authorize page (snsapi_base); the callback turns the code into a session.
import { Router, type Request, type Response } from 'express'
import type { Deps } from '../../deps'
import { PlatformError } from '../../platform/errors'
import { H5_ORG_PARAM } from '../../../shared/h5-entry'
import { findOrgIdBySlug, findOrgWithSlug } from '../orgs/orgs.repository'
import {
  H5_SESSION_COOKIE,
  H5_SESSION_TTL_MS,
  H5_STATE_COOKIE,
  OAUTH_STATE_TTL_MS,
  checkOAuthState,
  clearH5Cookie,
  mintOAuthState,
  readH5Session,
  readStateNonce,
  setH5Cookie,
  signH5Session,
} from './h5-session'

export const H5_OAUTH_CALLBACK_PATH = '/api/h5/oauth'

/** Why the page was sent back without a session; the page explains each in Chinese. */
export type H5Reason = 'snapshot' | 'oauth_failed' | 'not_configured'

export function authorizeUrl(openBase: string, appId: string, redirectUri: string, state: string): string {
  const q = new URLSearchParams({ appid: appId, redirect_uri: redirectUri, response_type: 'code', scope: 'snsapi_base', state })
  // WeChat requires exactly this parameter order's fields and the fragment; URLSearchParams keeps insertion order.
  return `${openBase}/connect/oauth2/authorize?${q.toString()}#wechat_redirect`
}

const pageUrl = (slug: string, reason?: H5Reason) => `/h5/?${H5_ORG_PARAM}=${encodeURIComponent(slug)}${reason ? `&reason=${reason}` : ''}`

function errorPage(res: Response, status: number, message: string): void {
  res
    .status(status)
    .type('html')
    .send(
      `<!doctype html><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>无法打开</title>` +
        `<p style="font:16px/1.6 sans-serif;padding:24px;color:#333">${message}</p>`,
    )
}

export function createH5Router(deps: Deps): Router {
  const r = Router()
  const secure = deps.config.publicBaseUrl.startsWith('https://')

  /** Sends the browser to WeChat's authorize page with a fresh state bound to it by cookie. */
  async function startOAuth(res: Response, orgId: number, slug: string): Promise<void> {
    let appId: string
    try {
      appId = (await deps.oa.for(orgId)).appId
    } catch {
      res.redirect(302, pageUrl(slug, 'not_configured'))
      return
    }
    const { state, nonce } = mintOAuthState(deps.secrets, orgId, deps.clock.now())
    setH5Cookie(res, H5_STATE_COOKIE, nonce, OAUTH_STATE_TTL_MS, secure)
    res.redirect(302, authorizeUrl(deps.config.oaOpenBase, appId, `${deps.config.publicBaseUrl}${H5_OAUTH_CALLBACK_PATH}`, state))
  }

  r.get(['/h5', '/h5/', '/h5/index.html'], async (req: Request, res: Response, next) => {
    const slug = req.query[H5_ORG_PARAM]
    // With a reason the page is showing why it came back: going round again would loop.
    if (typeof slug !== 'string' || req.query.reason !== undefined) return next()
    const org = await findOrgIdBySlug(deps.db, slug)
    if (!org) return next()
    const session = readH5Session(req, deps.secrets, deps.clock)
    if (session && session.orgId === org.id) return next()
    await startOAuth(res, org.id, slug)
  })

  r.get(H5_OAUTH_CALLBACK_PATH, async (req: Request, res: Response) => {
    const state = typeof req.query.state === 'string' ? req.query.state : ''
    const code = typeof req.query.code === 'string' ? req.query.code : ''
    const check = checkOAuthState(deps.secrets, state, readStateNonce(req), deps.clock.now())
    if (!check.ok && (check.reason === 'malformed' || check.reason === 'tampered')) {
      return errorPage(res, 400, '链接无效或已被修改，请从公众号菜单或二维码重新进入。')
    }
    const orgId = check.ok ? check.orgId : Number(/^\d+/.exec(state)![0])
    const org = await findOrgWithSlug(deps.db, orgId)
    const slug = org?.slug
    if (!org || !slug || org.status !== 'active') return errorPage(res, 404, '该机构不存在或已停用，请联系管理员。')
    // An expired round trip or one begun in another browser: the code is dropped and this browser starts its own.
    if (!check.ok) return startOAuth(res, orgId, slug)
    if (!code) return errorPage(res, 400, '未获得微信授权，请从公众号菜单重新进入。')
    clearH5Cookie(res, H5_STATE_COOKIE, secure)
    try {
      const oa = await deps.oa.for(orgId)
      const token = await oa.oauth.exchangeCode(code)
      if (token.is_snapshotuser === 1) {
        // A snapshot page's virtual user: its openid is not the employee's, so it is never signed in.
        clearH5Cookie(res, H5_SESSION_COOKIE, secure)
        return res.redirect(302, pageUrl(slug, 'snapshot'))
      }
      const session = { orgId, openid: token.openid, expiresAt: deps.clock.now() + H5_SESSION_TTL_MS }
      setH5Cookie(res, H5_SESSION_COOKIE, signH5Session(deps.secrets, session), H5_SESSION_TTL_MS, secure)
      return res.redirect(302, pageUrl(slug))
    } catch (err) {
      deps.log.warn({ err, orgId }, 'H5 OAuth code exchange failed')
      // 40029 / 40163 (a code unknown or used twice) and transport failures alike: no session, and the page says so.
      if (!(err instanceof PlatformError)) deps.log.error({ err, orgId }, 'H5 OAuth failed unexpectedly')
      return res.redirect(302, pageUrl(slug, 'oauth_failed'))
    }
  })
  return r
}
