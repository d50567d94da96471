// Official Account (公众号) configuration form: what an admin copies from 公众平台 → 设置与开发 → 基本配置.
import { z } from 'zod'
import { ENCODING_AES_KEY_RE } from './wecom-config'

export const OA_APP_ID_RE = /^wx[0-9a-f]{16}$/
export const OA_MESSAGE_MODES = ['plain', 'compatible', 'safe'] as const
export type OaMessageMode = (typeof OA_MESSAGE_MODES)[number]
/** The domain check file 公众平台 hands out: MP_verify_<code>.txt. */
export const OA_VERIFY_FILE_RE = /^MP_verify_[A-Za-z0-9]{1,64}\.txt$/

export const oaConfigSaveInput = z.object({
  name: z.string().trim().min(1, '请填写公众号名称').max(100),
  appId: z.string().trim().regex(OA_APP_ID_RE, 'AppID 格式不正确（wx 加 16 位十六进制）'),
  /** Blank keeps the stored secret (the admin only ever sees it masked). */
  appSecret: z
    .string()
    .trim()
    .regex(/^[0-9a-zA-Z]{32}$/, 'AppSecret 为 32 位英文或数字')
    .or(z.literal(''))
    .optional(),
  /** Blank keeps the stored token. */
  token: z
    .string()
    .trim()
    .regex(/^[a-zA-Z0-9]{3,32}$/, 'Token 为 3–32 位英文或数字')
    .or(z.literal(''))
    .optional(),
  /** Blank keeps the stored key; needed for compatible and safe mode. */
  encodingAesKey: z.string().trim().regex(ENCODING_AES_KEY_RE, 'EncodingAESKey 必须是 43 位英文或数字').or(z.literal('')).optional(),
  messageMode: z.enum(OA_MESSAGE_MODES).default('safe'),
  originalId: z
    .string()
    .trim()
    .regex(/^gh_[0-9a-zA-Z]{6,32}$/, '原始 ID 以 gh_ 开头')
    .or(z.literal(''))
    .optional(),
  oauthDomain: z
    .string()
    .trim()
    .regex(/^[a-zA-Z0-9.-]+(:\d{1,5})?$/, '网页授权域名只填域名，不带 http:// 和路径')
    .max(255)
    .or(z.literal(''))
    .optional(),
  verifyFileName: z.string().trim().regex(OA_VERIFY_FILE_RE, '校验文件名应为 MP_verify_xxx.txt').or(z.literal('')).optional(),
  verifyFileContent: z.string().trim().max(255).optional(),
})
export type OaConfigSaveInput = z.input<typeof oaConfigSaveInput>

export interface OaConfigView {
  configured: boolean
  /** 'own': the org's account; 'platform': the org uses the platform's; 'platform-admin': (unused). */
  source: 'own' | 'platform' | 'none'
  name: string
  appId: string
  appSecretMasked: string
  tokenMasked: string
  encodingAesKeyMasked: string
  messageMode: OaMessageMode
  originalId: string
  oauthDomain: string
  verifyFileName: string
  hasVerifyFileContent: boolean
  /** Paste into 公众平台 → 基本配置 → 服务器地址(URL). */
  callbackUrl: string | null
  accessToken: { expiresAt: number; refreshedAt: number } | null
}

export interface OaTestResult {
  ok: boolean
  message: string
  errcode?: number
  templateCount: number | null
}

export interface OaTemplateView {
  templateId: string
  title: string
  content: string
  keys: { key: string; type: string }[]
}

/** The name of the menu entry that opens the H5 binding page. */
export const OA_BIND_MENU_NAME = '绑定手机号'

/** One button of the account's custom menu as the config page shows it. */
export interface OaMenuButtonView {
  name: string
  type: string | null
  url: string | null
  subButtons: OaMenuButtonView[]
}

/** The custom menu of the account the org uses, and whether this admin may set the 绑定手机号 entry on it. */
export interface OaMenuView {
  /** 'own': the org's account; 'platform': the shared platform account (only a super admin may change its menu). */
  source: 'own' | 'platform'
  accountName: string
  /** The org's H5 binding page, the 绑定手机号 entry's link. */
  entryUrl: string
  /** null: the account has no custom menu yet (46003). */
  buttons: OaMenuButtonView[] | null
  /** The menu already holds an entry linking to this org's binding page. */
  hasEntry: boolean
  canSetup: boolean
  /** Why the menu could not be read (the platform's hint with its code), shown instead of the menu. */
  error: string | null
}
