// Official accounts in the sandbox: creation with the two seeded templates, fans, lookups.
import { randomBytes } from 'node:crypto'
import type { SandboxContext } from '../context'
import { ControlError } from '../errors'
import { HEX } from '../ids'
import { OaAccountState, type OaFan, type OaTemplate } from './state'

/** A legacy (历史) template: first / keywordN / remark, no per-type checks. */
export const LEGACY_TEMPLATE: Omit<OaTemplate, 'template_id'> = {
  title: '客户到店提醒',
  primary_industry: '医药护理',
  deputy_industry: '医药医疗',
  content:
    '{{first.DATA}}\n客户姓名：{{keyword1.DATA}}\n到店时间：{{keyword2.DATA}}\n咨询项目：{{keyword3.DATA}}\n接待顾问：{{keyword4.DATA}}\n{{remark.DATA}}',
  example: '您好，有新客户到店\n客户姓名：张女士\n到店时间：2026-11-21 10:00\n咨询项目：皮肤管理\n接待顾问：李娜\n请及时接待',
}

/** A category (类目) template: every key checked by its type. */
export const CATEGORY_TEMPLATE: Omit<OaTemplate, 'template_id'> = {
  title: '新客户线索通知',
  primary_industry: '医药护理',
  deputy_industry: '医药医疗',
  content: '客户名称：{{thing1.DATA}}\n提交时间：{{time2.DATA}}\n意向等级：{{phrase3.DATA}}\n线索编号：{{character_string4.DATA}}',
  example: '客户名称：张女士\n提交时间：2026-11-21 10:00\n意向等级：高意向\n线索编号：LD20261121001',
}

export interface CreateOaAccountInput {
  name: string
  appid?: string
  secret?: string
  oauthDomain: string
  ipWhitelist?: string[] | null
  /** Seed the legacy and the category template (default true). */
  templates?: boolean
}

export function createOaAccount(ctx: SandboxContext, input: CreateOaAccountInput): OaAccountState {
  const appid = input.appid ?? ctx.state.ids.next('wx', 18, HEX)
  if (ctx.state.oa.accounts.has(appid)) throw new ControlError(409, `account ${appid} exists`)
  const account = new OaAccountState(
    appid,
    input.secret ?? randomBytes(16).toString('hex'),
    input.name,
    ctx.state.ids.next('gh_', 15, HEX),
    input.oauthDomain,
    input.ipWhitelist ?? null,
  )
  if (input.templates ?? true) {
    for (const t of [LEGACY_TEMPLATE, CATEGORY_TEMPLATE]) addTemplate(ctx, account, t)
  }
  ctx.state.oa.accounts.set(appid, account)
  ctx.changed()
  return account
}

export function addTemplate(ctx: SandboxContext, account: OaAccountState, t: Omit<OaTemplate, 'template_id'>): OaTemplate {
  const template: OaTemplate = { ...t, template_id: ctx.state.ids.next('', 43) }
  account.templates.set(template.template_id, template)
  return template
}

export function requireOaAccount(ctx: SandboxContext, appid: string): OaAccountState {
  const a = ctx.state.oa.accounts.get(appid)
  if (!a) throw new ControlError(404, `no official account ${appid}`)
  return a
}

/** A WeChat user as this account sees them (an openid per AppID), following or not. */
export function addFan(
  ctx: SandboxContext,
  account: OaAccountState,
  input: { nickname: string; subscribed: boolean; openid?: string; unionid?: string; scene?: string },
  now: number,
): OaFan {
  const openid = input.openid ?? ctx.state.ids.next('o', 28)
  if (account.fans.has(openid)) throw new ControlError(409, `fan ${openid} exists`)
  const fan: OaFan = {
    openid,
    nickname: input.nickname,
    unionid: input.unionid,
    subscribed: input.subscribed,
    subscribe_time: input.subscribed ? Math.floor(now / 1000) : 0,
    subscribe_scene: input.subscribed ? (input.scene ?? 'ADD_SCENE_SEARCH') : '',
    qr_scene: 0,
    qr_scene_str: '',
  }
  account.fans.set(openid, fan)
  ctx.changed()
  return fan
}
