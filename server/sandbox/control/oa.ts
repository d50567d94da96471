// The Official Account side of the outside world: create accounts, fans follow and unfollow, sign in through OAuth, read sent messages.
import { z } from 'zod'
import type { SandboxContext } from '../context'
import { ControlError } from '../errors'
import { addFan, createOaAccount, requireOaAccount } from '../oa/accounts'
import { AuthorizeRefused, checkAuthorize, issueOaOAuthCode, OA_OAUTH_CODE_TTL_MS, redirectWithCode } from '../oa/oauth'
import type { OaAccountState, OaFan } from '../oa/state'
import { parseInput } from './common'

const createOaAccountInput = z.object({
  name: z.string().min(1).max(64),
  appid: z
    .string()
    .regex(/^wx[0-9a-f]{16}$/)
    .optional(),
  secret: z
    .string()
    .regex(/^[0-9a-f]{32}$/)
    .optional(),
  /** 网页授权域名, e.g. "clinic.example.com" or "127.0.0.1:3000". */
  oauth_domain: z.string().min(1).max(253),
  ip_whitelist: z.array(z.string()).nullable().default(null),
  templates: z.boolean().default(true),
})

const fanInput = z.object({
  nickname: z.string().min(1).max(32).default('微信用户'),
  openid: z.string().min(1).max(64).optional(),
  unionid: z.string().min(1).max(64).optional(),
  subscribed: z.boolean().default(true),
})

const oauthInput = z.object({
  redirect_uri: z.string().min(1),
  scope: z.enum(['snsapi_base', 'snsapi_userinfo']).default('snsapi_base'),
  state: z.string().optional(),
  /** An existing fan; absent with snapshot false → a new non-following user. */
  openid: z.string().optional(),
  snapshot: z.boolean().default(false),
})

function accountView(a: OaAccountState) {
  return {
    appid: a.appid,
    secret: a.secret,
    name: a.name,
    gh_id: a.ghId,
    oauth_domain: a.oauthDomain,
    ip_whitelist: a.ipWhitelist,
    templates: [...a.templates.values()].map((t) => ({ template_id: t.template_id, title: t.title, content: t.content })),
  }
}

function fanOf(a: OaAccountState, openid: string): OaFan {
  const f = a.fans.get(openid)
  if (!f) throw new ControlError(404, `no fan ${openid} of ${a.appid}`)
  return f
}

export function oaControl(ctx: SandboxContext) {
  return {
    createOaAccount(input: z.input<typeof createOaAccountInput>) {
      const req = parseInput(createOaAccountInput, input)
      const a = createOaAccount(ctx, {
        name: req.name,
        appid: req.appid,
        secret: req.secret,
        oauthDomain: req.oauth_domain,
        ipWhitelist: req.ip_whitelist,
        templates: req.templates,
      })
      return accountView(a)
    },

    listOaAccounts() {
      return [...ctx.state.oa.accounts.values()].map(accountView)
    },

    /** A WeChat user this account knows of: following (default) or having only opened a page. */
    addOaFan(appid: string, input: z.input<typeof fanInput>) {
      const req = parseInput(fanInput, input)
      return { ...addFan(ctx, requireOaAccount(ctx, appid), req, ctx.clock.now()) }
    },

    followOa(appid: string, openid: string) {
      const f = fanOf(requireOaAccount(ctx, appid), openid)
      if (!f.subscribed) {
        f.subscribed = true
        f.subscribe_time = Math.floor(ctx.clock.now() / 1000)
        f.subscribe_scene = 'ADD_SCENE_SEARCH'
        ctx.changed()
      }
      return { ...f }
    },

    unfollowOa(appid: string, openid: string) {
      const f = fanOf(requireOaAccount(ctx, appid), openid)
      if (f.subscribed) {
        f.subscribed = false
        ctx.changed()
      }
      return { ...f }
    },

    listOaFans(appid: string) {
      return [...requireOaAccount(ctx, appid).fans.values()].map((f) => ({ ...f }))
    },

    /** Template messages the account sent, oldest first, with what each fan saw. */
    oaSentTemplates(appid: string) {
      return requireOaAccount(ctx, appid).sent.map((m) => ({ ...m }))
    },

    /** What the authorize page does when a user picks an identity: the redirect with a one-use code (5 min). */
    oaAuthorize(appid: string, input: z.input<typeof oauthInput>) {
      const req = parseInput(oauthInput, input)
      let checked
      try {
        checked = checkAuthorize(ctx, { appid, redirect_uri: req.redirect_uri, scope: req.scope, state: req.state })
      } catch (err) {
        if (err instanceof AuthorizeRefused) throw new ControlError(400, `${err.code} ${err.message}`)
        throw err
      }
      const { account, redirect } = checked
      const now = ctx.clock.now()
      const openid = req.snapshot
        ? ctx.state.ids.next('o', 28)
        : req.openid
          ? fanOf(account, req.openid).openid
          : addFan(ctx, account, { nickname: '微信用户', subscribed: false }, now).openid
      const code = issueOaOAuthCode(account, { openid, scope: req.scope, snapshot: req.snapshot }, now)
      ctx.changed()
      return {
        code: code.code,
        openid,
        expires_in: OA_OAUTH_CODE_TTL_MS / 1000,
        location: redirectWithCode(redirect, code.code, req.state),
      }
    },
  }
}
