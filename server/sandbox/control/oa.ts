// The Official Account side of the outside world: create accounts, fans follow and unfollow, sign in through OAuth, read sent messages.
import { z } from 'zod'
import { generateEncodingAesKey, isValidEncodingAesKey } from '../../platform/crypto'
import type { SandboxContext } from '../context'
import { ControlError } from '../errors'
import { addFan, createOaAccount, requireOaAccount } from '../oa/accounts'
import { followEventXml, qrScanEventXml, sendOaEvent } from '../oa/events'
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

const scanInput = z.object({
  ticket: z.string().optional(),
  scene: z.string().optional(),
  wait: z.boolean().default(true),
})

const callbackInput = z.object({
  url: z.url(),
  token: z
    .string()
    .regex(/^[A-Za-z0-9]{3,32}$/)
    .optional(),
  encodingAesKey: z.string().refine(isValidEncodingAesKey, 'EncodingAESKey is 43 characters of base64').optional(),
})

/** After the callback's 3 tries are over (true, the default) or as soon as the first try starts (false). */
const waitInput = z.object({ wait: z.boolean().default(true) })

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
    callback: a.callback,
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

    /** The server URL the account's events go to (safe mode); token and key are generated when not given. */
    setOaCallback(appid: string, input: z.input<typeof callbackInput> | null) {
      const a = requireOaAccount(ctx, appid)
      if (input === null) a.callback = null
      else {
        const req = parseInput(callbackInput, input)
        a.callback = {
          url: req.url,
          token: req.token ?? ctx.state.ids.next('', 32),
          encodingAesKey: req.encodingAesKey ?? generateEncodingAesKey(),
        }
      }
      ctx.changed()
      return { callback: a.callback }
    },

    /** The fan follows (again): the subscribe event goes to the account's server URL. */
    async followOa(appid: string, openid: string, input: z.input<typeof waitInput> = {}) {
      const req = parseInput(waitInput, input)
      const a = requireOaAccount(ctx, appid)
      const f = fanOf(a, openid)
      const now = ctx.clock.now()
      f.subscribed = true
      f.subscribe_time = Math.floor(now / 1000)
      f.subscribe_scene = 'ADD_SCENE_SEARCH'
      ctx.changed()
      return {
        fan: { ...f },
        delivery: await sendOaEvent(ctx, a, followEventXml(a, openid, now, 'subscribe'), 'subscribe', openid, req.wait),
      }
    },

    /** The fan scans one of the account's parametric QR codes (by ticket or scene): SCAN if following, else subscribe with the scene. */
    async scanOaQr(appid: string, openid: string, input: z.input<typeof scanInput>) {
      const req = parseInput(scanInput, input)
      const a = requireOaAccount(ctx, appid)
      const f = fanOf(a, openid)
      const now = ctx.clock.now()
      const qr = [...a.qrcodes.values()].find(
        (q) =>
          (req.ticket !== undefined && q.ticket === req.ticket) ||
          (req.scene !== undefined && String(q.scene_str ?? q.scene_id) === req.scene),
      )
      if (!qr) throw new ControlError(404, '没有这个二维码（先用 qrcode/create 生成）')
      if (qr.expires_at !== null && qr.expires_at <= now) throw new ControlError(409, '二维码已过期')
      const follower = f.subscribed
      if (!follower) {
        f.subscribed = true
        f.subscribe_time = Math.floor(now / 1000)
        f.subscribe_scene = 'ADD_SCENE_QR_CODE'
      }
      ctx.changed()
      const xml = qrScanEventXml(a, openid, now, follower, String(qr.scene_str ?? qr.scene_id), qr.ticket)
      return { fan: { ...f }, delivery: await sendOaEvent(ctx, a, xml, follower ? 'SCAN' : 'subscribe', openid, req.wait) }
    },

    /** The fan unfollows: template messages to them now answer 43004; the unsubscribe event goes out. */
    async unfollowOa(appid: string, openid: string, input: z.input<typeof waitInput> = {}) {
      const req = parseInput(waitInput, input)
      const a = requireOaAccount(ctx, appid)
      const f = fanOf(a, openid)
      const now = ctx.clock.now()
      f.subscribed = false
      ctx.changed()
      return {
        fan: { ...f },
        delivery: await sendOaEvent(ctx, a, followEventXml(a, openid, now, 'unsubscribe'), 'unsubscribe', openid, req.wait),
      }
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
