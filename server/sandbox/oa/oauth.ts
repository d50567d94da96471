// Web OAuth: the authorize page (pick or create a fake WeChat user) and sns/oauth2/access_token (one-use code, 5 min).
import { randomBytes } from 'node:crypto'
import express, { type Request, type Response, Router } from 'express'
import type { SandboxContext } from '../context'
import { addFan } from './accounts'
import type { OaEndpoint } from './endpoint'
import { OaError } from './errors'
import type { OaAccountState, OaOAuthCode } from './state'

export const OA_OAUTH_CODE_TTL_MS = 5 * 60_000
const SCOPES = new Set(['snsapi_base', 'snsapi_userinfo'])

/** Why the authorize page refuses; WeChat shows these as an error page with the code. */
export class AuthorizeRefused extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message)
  }
}

export interface AuthorizeRequest {
  appid: string
  redirect_uri: string
  scope: string
  state?: string
}

/** The checks the platform makes before showing the page: known appid, scope, redirect_uri on the 网页授权域名. */
export function checkAuthorize(ctx: SandboxContext, q: AuthorizeRequest): { account: OaAccountState; redirect: URL } {
  const account = ctx.state.oa.accounts.get(q.appid)
  if (!account) throw new AuthorizeRefused(10016, 'appid 参数错误')
  if (!SCOPES.has(q.scope)) throw new AuthorizeRefused(10005, '此公众号并没有这些scope的权限')
  let redirect: URL
  try {
    redirect = new URL(q.redirect_uri)
  } catch {
    throw new AuthorizeRefused(10003, 'redirect_uri 参数错误')
  }
  // The domain is configured without a port unless one is given; a port-less setting accepts any port.
  const host = account.oauthDomain.includes(':') ? redirect.host : redirect.hostname
  if (host !== account.oauthDomain) throw new AuthorizeRefused(10003, 'redirect_uri 域名与后台配置不一致')
  if (q.state !== undefined && (q.state.length > 128 || !/^[A-Za-z0-9]*$/.test(q.state))) {
    throw new AuthorizeRefused(10003, 'state 参数错误')
  }
  return { account, redirect }
}

export function issueOaOAuthCode(
  account: OaAccountState,
  input: { openid: string; scope: 'snsapi_base' | 'snsapi_userinfo'; snapshot?: boolean },
  now: number,
): OaOAuthCode {
  const code: OaOAuthCode = {
    code: randomBytes(16).toString('hex'),
    openid: input.openid,
    scope: input.scope,
    snapshot: input.snapshot ?? false,
    issued_at: now,
    used: false,
  }
  account.oauthCodes.set(code.code, code)
  // Bounded: codes past their 5 minutes can only answer 40029 again.
  if (account.oauthCodes.size > 10_000) {
    for (const [k, c] of account.oauthCodes) if (now - c.issued_at >= OA_OAUTH_CODE_TTL_MS) account.oauthCodes.delete(k)
  }
  return code
}

/** The Location the page sends the browser to: redirect_uri?code=…&state=… */
export function redirectWithCode(redirect: URL, code: string, state: string | undefined): string {
  const u = new URL(redirect)
  u.searchParams.set('code', code)
  u.searchParams.set('state', state ?? '')
  return u.toString()
}

export const oauthEndpoints: OaEndpoint[] = [
  {
    path: '/sns/oauth2/access_token',
    method: 'GET',
    anonymous: true,
    mutates: true,
    handle({ ctx, query, now }) {
      const appid = query('appid')
      const secret = query('secret')
      if (!appid) throw new OaError(41002)
      if (!secret) throw new OaError(41004)
      if (query('grant_type') !== 'authorization_code') throw new OaError(40002)
      const account = ctx.state.oa.accounts.get(appid)
      if (!account) throw new OaError(40013)
      if (account.secret !== secret) throw new OaError(40125)
      const code = account.oauthCodes.get(query('code') ?? '')
      if (!code || now - code.issued_at >= OA_OAUTH_CODE_TTL_MS) throw new OaError(40029)
      if (code.used) throw new OaError(40163)
      code.used = true
      const fan = account.fans.get(code.openid)
      return {
        access_token: randomBytes(48).toString('base64url'),
        expires_in: 7200,
        refresh_token: randomBytes(48).toString('base64url'),
        openid: code.openid,
        scope: code.scope,
        ...(code.scope === 'snsapi_userinfo' && fan?.unionid && !code.snapshot ? { unionid: fan.unionid } : {}),
        ...(code.snapshot ? { is_snapshotuser: 1 } : {}),
      }
    },
  },
]

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

function refusedPage(res: Response, err: AuthorizeRefused): void {
  res
    .status(400)
    .type('html')
    .send(
      `<!doctype html><meta charset="utf-8"><title>微信网页授权</title><h1>Oops! Something went wrong:(</h1><p>${esc(err.message)}</p><p>错误码：${err.code}</p>`,
    )
}

function readAuthorize(src: Record<string, unknown>): AuthorizeRequest {
  const s = (k: string) => (typeof src[k] === 'string' ? (src[k] as string) : '')
  return {
    appid: s('appid'),
    redirect_uri: s('redirect_uri'),
    scope: s('scope'),
    state: typeof src.state === 'string' ? src.state : undefined,
  }
}

/** GET shows the chooser (existing fans, a new user, snapshot mode); POST issues the code and redirects. */
export function authorizeRouter(ctx: SandboxContext): Router {
  const r = Router()
  r.get('/connect/oauth2/authorize', (req: Request, res: Response) => {
    const q = readAuthorize(req.query as Record<string, unknown>)
    let account: OaAccountState
    try {
      ;({ account } = checkAuthorize(ctx, q))
    } catch (err) {
      if (err instanceof AuthorizeRefused) return refusedPage(res, err)
      throw err
    }
    const hidden = Object.entries(q)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `<input type="hidden" name="${k}" value="${esc(String(v))}">`)
      .join('')
    const fans = [...account.fans.values()]
      .map(
        (f) =>
          `<li><form method="post">${hidden}<input type="hidden" name="openid" value="${esc(f.openid)}"><button>${esc(f.nickname)}</button> ${f.subscribed ? '已关注' : '未关注'}</form></li>`,
      )
      .join('')
    res.type('html').send(`<!doctype html><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${esc(account.name)} 网页授权（沙箱）</title>
<h1>${esc(account.name)}</h1><p>选择以哪个微信用户进入（scope: ${esc(q.scope)}）</p>
<ul id="fans">${fans}</ul>
<form method="post" id="new">${hidden}<input name="nickname" placeholder="新微信用户昵称" required><label><input type="checkbox" name="subscribed" value="1">已关注</label><button>以新用户进入</button></form>
<form method="post" id="snapshot">${hidden}<input type="hidden" name="snapshot" value="1"><button>快照页模式进入（虚拟用户）</button></form>`)
  })
  r.post('/connect/oauth2/authorize', express.urlencoded({ extended: false, limit: '16kb' }), (req: Request, res: Response) => {
    const body = (req.body ?? {}) as Record<string, unknown>
    const q = readAuthorize({ ...(req.query as Record<string, unknown>), ...body })
    try {
      const { account, redirect } = checkAuthorize(ctx, q)
      const now = ctx.clock.now()
      const scope = q.scope as 'snsapi_base' | 'snsapi_userinfo'
      let openid: string
      const snapshot = body.snapshot === '1'
      if (snapshot) openid = ctx.state.ids.next('o', 28)
      else if (typeof body.openid === 'string' && body.openid !== '') {
        if (!account.fans.has(body.openid)) throw new AuthorizeRefused(10003, '用户不存在')
        openid = body.openid
      } else {
        const nickname = typeof body.nickname === 'string' && body.nickname.trim() !== '' ? body.nickname.trim().slice(0, 32) : '微信用户'
        openid = addFan(ctx, account, { nickname, subscribed: body.subscribed === '1' }, now).openid
      }
      const code = issueOaOAuthCode(account, { openid, scope, snapshot }, now)
      ctx.changed()
      res.redirect(302, redirectWithCode(redirect, code.code, q.state))
    } catch (err) {
      if (err instanceof AuthorizeRefused) return refusedPage(res, err)
      throw err
    }
  })
  return r
}
