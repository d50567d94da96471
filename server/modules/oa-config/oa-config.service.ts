// Official Account configuration: save with secrets sealed, show masked, test the connection, list templates with their keys.
import { randomBytes } from 'node:crypto'
import type { Deps } from '../../deps'
import { ConflictError, ForbiddenError, InvalidInputError, PreconditionError } from '../../lib/errors'
import { isDuplicateKey } from '../../db/dialect'
import { maskSecret } from '../../lib/secret-box'
import { PlatformError, PlatformTransportError } from '../../platform/errors'
import { parseTemplateKeys, type MenuButton } from '../../platform/oa/index'
import {
  OA_BIND_MENU_NAME,
  oaConfigSaveInput,
  type OaMenuButtonView,
  type OaMenuView,
  type OaConfigSaveInput,
  type OaConfigView,
  type OaTemplateView,
  type OaTestResult,
} from '../../../shared/schemas/oa-config'
import { orgH5Entry } from '../orgs/org-h5-entry'
import {
  deleteOaTokens,
  findAccountForOrg,
  findOaTokenTimes,
  findOwnAccount,
  insertAccount,
  updateAccount,
  type OaOwner,
} from './oa-config.repository'

export function oaCallbackUrlFor(deps: Deps, callbackKey: string): string {
  return `${deps.config.publicBaseUrl}/api/wechat/callback/${callbackKey}`
}

const EMPTY: Omit<OaConfigView, 'source'> = {
  configured: false,
  name: '',
  appId: '',
  appSecretMasked: '',
  tokenMasked: '',
  encodingAesKeyMasked: '',
  messageMode: 'safe',
  originalId: '',
  oauthDomain: '',
  verifyFileName: '',
  hasVerifyFileContent: false,
  callbackUrl: null,
  accessToken: null,
}

/**
 * The owner's account as the admin sees it. For an org without its own row that uses the platform's account, the
 * view says so (source 'platform') and shows only the account's name and AppID, nothing of its secrets or URL.
 */
export async function getOaConfigView(deps: Deps, owner: OaOwner): Promise<OaConfigView> {
  const row = await findOwnAccount(deps.db, owner)
  if (!row) {
    const platform = owner === null ? undefined : await findOwnAccount(deps.db, null)
    if (platform) return { ...EMPTY, source: 'platform', name: platform.name, appId: platform.app_id }
    return { ...EMPTY, source: 'none' }
  }
  const token = await findOaTokenTimes(deps.db, owner)
  return {
    configured: true,
    source: 'own',
    name: row.name,
    appId: row.app_id,
    appSecretMasked: maskSecret(deps.secrets.open(row.app_secret_sealed)),
    tokenMasked: maskSecret(row.token),
    encodingAesKeyMasked: maskSecret(row.encoding_aes_key_sealed ? deps.secrets.open(row.encoding_aes_key_sealed) : ''),
    messageMode: row.message_mode,
    originalId: row.original_id ?? '',
    oauthDomain: row.oauth_domain ?? '',
    verifyFileName: row.verify_file_name ?? '',
    hasVerifyFileContent: !!row.verify_file_content,
    callbackUrl: oaCallbackUrlFor(deps, row.callback_key),
    accessToken: token ? { expiresAt: token.expires_at, refreshedAt: token.refreshed_at } : null,
  }
}

/** Saves the owner's account; a blank secret, token or key keeps the stored one. */
export async function saveOaConfig(deps: Deps, owner: OaOwner, raw: OaConfigSaveInput): Promise<OaConfigView> {
  const parsed = oaConfigSaveInput.safeParse(raw)
  if (!parsed.success) throw new InvalidInputError(`输入无效：${parsed.error.issues.map((i) => i.message).join('；')}`)
  const input = parsed.data
  const existing = await findOwnAccount(deps.db, owner)
  const secret = input.appSecret ? deps.secrets.seal(input.appSecret) : existing?.app_secret_sealed
  if (!secret) throw new InvalidInputError('输入无效：AppSecret 不能为空')
  const token = input.token || existing?.token
  if (!token) throw new InvalidInputError('输入无效：Token 不能为空')
  const aesKey = input.encodingAesKey ? deps.secrets.seal(input.encodingAesKey) : (existing?.encoding_aes_key_sealed ?? null)
  if (input.messageMode !== 'plain' && !aesKey) throw new InvalidInputError('输入无效：兼容模式和安全模式需要 EncodingAESKey')
  const fileName = input.verifyFileName || null
  const fileContent = fileName ? input.verifyFileContent || existing?.verify_file_content || null : null
  if (fileName && !fileContent) throw new InvalidInputError('输入无效：请填写校验文件的内容')

  const now = deps.clock.now()
  const values = {
    name: input.name,
    app_id: input.appId,
    app_secret_sealed: secret,
    token,
    encoding_aes_key_sealed: aesKey,
    message_mode: input.messageMode,
    original_id: input.originalId || null,
    oauth_domain: input.oauthDomain || null,
    verify_file_name: fileName,
    verify_file_content: fileContent,
    // Strictly increasing, so cached clients built from the old row are rebuilt.
    updated_at: Math.max(now, (existing?.updated_at ?? 0) + 1),
  }
  const credentialsChanged = !!input.appSecret || (existing && existing.app_id !== input.appId)
  try {
    await deps.db.transaction().execute(async (trx) => {
      if (existing) await updateAccount(trx, existing.id, values)
      else await insertAccount(trx, { ...values, org_id: owner, callback_key: randomBytes(12).toString('base64url'), created_at: now })
      // A token of another AppID or a replaced secret must not be handed out again.
      if (credentialsChanged) await deleteOaTokens(trx, owner)
    })
  } catch (err) {
    // Two first saves at once: the owner key lets one row in; the other admin is told rather than shown a driver error.
    if (isDuplicateKey(err)) throw new ConflictError('公众号配置刚刚被另一次保存创建，请刷新页面后再保存', { cause: err })
    throw err
  }
  deps.oa.forget(owner)
  return getOaConfigView(deps, owner)
}

/** The server's address as the platform saw it, from 40164's errmsg ("invalid ip 1.2.3.4 ipv6 …, not in whitelist"). */
export function ipFromErrmsg(errmsg: string): string | null {
  return /invalid ip\s+([0-9a-fA-F.:]+)/.exec(errmsg)?.[1] ?? null
}

/** stable_token (normal mode) and get_all_private_template: the credentials, the IP whitelist and the template API. */
export async function testOaConnection(deps: Deps, owner: OaOwner): Promise<OaTestResult> {
  try {
    const client = await deps.oa.forOwner(owner)
    await client.getToken()
    const { template_list } = await client.template.list()
    return { ok: true, templateCount: template_list.length, message: `连接成功，已有模板 ${template_list.length} 个` }
  } catch (err) {
    if (err instanceof PlatformError) {
      const ip = err.errcode === 40164 ? ipFromErrmsg(err.errmsg) : null
      const where = ip ? `：请把 ${ip} 加入公众号 IP 白名单` : ''
      return { ok: false, templateCount: null, errcode: err.errcode, message: `${err.hint}${where}（错误码 ${err.errcode}）` }
    }
    if (err instanceof PlatformTransportError) return { ok: false, templateCount: null, message: `无法连接公众号接口：${err.message}` }
    if (err instanceof PreconditionError) return { ok: false, templateCount: null, message: err.message }
    throw err
  }
}

/** The account's private templates with the keys their content names (for the template-message settings). */
export async function listOaTemplates(deps: Deps, owner: OaOwner): Promise<OaTemplateView[]> {
  const client = await deps.oa.forOwner(owner)
  const { template_list } = await client.template.list()
  return template_list.map((t) => ({
    templateId: t.template_id,
    title: t.title,
    content: t.content,
    keys: parseTemplateKeys(t.content),
  }))
}

/** The menu/get answer when the account has no custom menu. */
const NO_MENU = 46003

function menuButtonView(b: MenuButton): OaMenuButtonView {
  return { name: b.name, type: b.type ?? null, url: b.url ?? null, subButtons: (b.sub_button ?? []).map(menuButtonView) }
}

/** A button that opens this service's H5 page (any org's link, or one the admin named 绑定手机号 by hand). */
function isBindingEntry(b: MenuButton, h5Base: string): boolean {
  return b.type === 'view' && (b.name === OA_BIND_MENU_NAME || (b.url ?? '').startsWith(h5Base))
}

/**
 * The account's menu with the 绑定手机号 entry pointing at `entryUrl`: an existing entry (top level or in a sub-menu)
 * is repointed in place, otherwise one top-level button is added. The clinic's other buttons stay as they are, since
 * menu/create replaces the whole menu.
 */
export function menuWithBindingEntry(current: MenuButton[], entryUrl: string, h5Base: string): MenuButton[] {
  const entry: MenuButton = { type: 'view', name: OA_BIND_MENU_NAME, url: entryUrl }
  let found = false
  const repoint = (b: MenuButton): MenuButton => {
    if (!isBindingEntry(b, h5Base)) return b
    found = true
    return { ...entry }
  }
  const next = current.map((b) => (b.sub_button?.length ? { ...b, sub_button: b.sub_button.map(repoint) } : repoint(b)))
  if (found) return next
  if (next.length >= 3) {
    throw new PreconditionError(
      `公众号菜单已有 3 个一级菜单，无法再添加。请在公众平台「自定义菜单」删除一个一级菜单后重试，或手动在某个菜单下添加「${OA_BIND_MENU_NAME}」（跳转网页：${entryUrl}）`,
    )
  }
  return [...next, entry]
}

function h5BaseOf(deps: Deps): string {
  return `${deps.config.publicBaseUrl}/h5/`
}

async function readMenu(client: { menu: { get(): Promise<{ menu: { button: MenuButton[] } }> } }): Promise<MenuButton[] | null> {
  try {
    return (await client.menu.get()).menu.button
  } catch (err) {
    if (err instanceof PlatformError && err.errcode === NO_MENU) return null
    throw err
  }
}

/** The custom menu of the account the org uses (its own, else the platform's), read with menu/get. */
export async function getOaMenu(deps: Deps, orgId: number, isSuperAdmin: boolean): Promise<OaMenuView> {
  const row = await findAccountForOrg(deps.db, orgId)
  if (!row) throw new PreconditionError('请先在「公众号配置」中完成配置')
  const { url } = await orgH5Entry(deps, orgId)
  const source = row.org_id === null ? 'platform' : 'own'
  const view: OaMenuView = {
    source,
    accountName: row.name,
    entryUrl: url,
    buttons: null,
    hasEntry: false,
    canSetup: source === 'own' || isSuperAdmin,
    error: null,
  }
  try {
    const buttons = await readMenu(await deps.oa.for(orgId))
    if (buttons) {
      view.buttons = buttons.map(menuButtonView)
      view.hasEntry = buttons.some((b) => [b, ...(b.sub_button ?? [])].some((x) => x.type === 'view' && x.url === url))
    }
  } catch (err) {
    if (err instanceof PlatformError) view.error = `读取菜单失败：${err.hint}（错误码 ${err.errcode}）`
    else if (err instanceof PlatformTransportError) view.error = `无法连接公众号接口：${err.message}`
    else throw err
  }
  return view
}

/**
 * Sets the 绑定手机号 entry (→ the org's H5 binding page) on the account the org uses. The platform's account is shared
 * by every org without its own, so only a super admin may change its menu.
 */
export async function setupOaMenu(deps: Deps, orgId: number, isSuperAdmin: boolean): Promise<OaMenuView> {
  const client = await deps.oa.for(orgId)
  if (client.platform && !isSuperAdmin) {
    throw new ForbiddenError('本机构使用平台公众号，其菜单只能由平台管理员设置；配置本机构自己的公众号后即可自行设置')
  }
  const { url } = await orgH5Entry(deps, orgId)
  const current = (await readMenu(client)) ?? []
  await client.menu.create({ button: menuWithBindingEntry(current, url, h5BaseOf(deps)) })
  return getOaMenu(deps, orgId, isSuperAdmin)
}
