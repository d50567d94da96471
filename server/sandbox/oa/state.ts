// The emulated Official Account world: accounts with their fans, templates, sent messages, tokens, OAuth codes, QR codes, menus.

/** The account's server URL settings (the same shape as a corp's callback config). */
export interface OaCallbackConfig {
  url: string
  token: string
  encodingAesKey: string
}

export interface OaFan {
  openid: string
  /** Shown on the sandbox's authorize page; the API no longer returns nicknames (2021-12-27). */
  nickname: string
  unionid?: string
  subscribed: boolean
  /** unix seconds of the last follow */
  subscribe_time: number
  subscribe_scene: string
  qr_scene: number
  qr_scene_str: string
}

export interface OaTemplate {
  template_id: string
  title: string
  primary_industry: string
  deputy_industry: string
  content: string
  example: string
  /** const keys: the enum values approved for this template (the API cannot set them). */
  constValues?: Record<string, string[]>
}

export interface OaSentMessage {
  msgid: number
  touser: string
  template_id: string
  url?: string
  miniprogram?: { appid: string; pagepath?: string }
  client_msg_id?: string
  /** The data as sent. */
  data: Record<string, string>
  /** What the fan sees: first/remark gone, legacy values folded after 20 characters. */
  displayed: Record<string, string>
  /** Keys accepted but not displayed (first, remark since 2023-05-04). */
  notDisplayed: string[]
  /** ms */
  sent_at: number
}

export interface OaToken {
  token: string
  appid: string
  expires_at: number
}

export interface OaOAuthCode {
  code: string
  openid: string
  scope: 'snsapi_base' | 'snsapi_userinfo'
  snapshot: boolean
  issued_at: number
  used: boolean
}

export interface OaQrcode {
  ticket: string
  action_name: string
  scene_id?: number
  scene_str?: string
  /** ms; null for permanent codes */
  expires_at: number | null
}

export class OaAccountState {
  fans = new Map<string, OaFan>()
  templates = new Map<string, OaTemplate>()
  sent: OaSentMessage[] = []
  /** `${openid} ${client_msg_id}` → the first send's msgid and time. */
  clientMsgIds = new Map<string, { msgid: number; at: number }>()
  /** The stable token normal mode hands out, and the one it replaces in the rotation window. */
  currentToken: string | null = null
  /** ms of each force_refresh today, for the 30 s gap and the 20/day cap. */
  forceRefreshes: number[] = []
  oauthCodes = new Map<string, OaOAuthCode>()
  jsapiTicket: { ticket: string; expires_at: number } | null = null
  qrcodes = new Map<string, OaQrcode>()
  menu: { button: unknown[] } | null = null
  /** The server URL (safe mode: AES with the AppID as receiveid). */
  callback: OaCallbackConfig | null = null
  seq = 0

  constructor(
    public appid: string,
    public secret: string,
    public name: string,
    /** gh_… original id, the ToUserName of callbacks. */
    public ghId: string,
    /** 网页授权域名: host (optionally host:port) redirect_uri must be on. */
    public oauthDomain: string,
    /** null = no IP allowlist configured (the sandbox's default; the platform requires one). */
    public ipWhitelist: string[] | null,
  ) {}

  nextSeq(): number {
    return ++this.seq
  }
}

export class OaSandboxState {
  accounts = new Map<string, OaAccountState>()
  tokens = new Map<string, OaToken>()

  reset(): void {
    this.accounts.clear()
    this.tokens.clear()
  }
}
