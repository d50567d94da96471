// The emulator's in-memory world: corps, staff, customers, follow relations, tags, contact ways, messages, tokens, logs.
import { IdGen } from './ids'
import { OaSandboxState } from './oa/state'

export interface DeliveryAttempt {
  attempt: number
  /** wall-clock ms when the attempt started (timeouts are real time, not sandbox time) */
  started_at: number
  /** HTTP status, null when there was no answer */
  status: number | null
  ms: number
  error?: string
}

export interface Delivery {
  id: number
  /** The corp, or for Official Account events the AppID. */
  corpid: string
  /** 'change_external_contact:add_external_contact', 'change_external_tag:create', 'text', … */
  kind: string
  url: string
  /** sandbox-clock ms */
  created_at: number
  plaintext: string
  encrypt: string
  attempts: DeliveryAttempt[]
  status: 'pending' | 'delivered' | 'failed'
}

export type AppKind = 'contact' | 'agent'

export interface SandboxApp {
  agentid: number
  name: string
  secret: string
  /** 'contact': listed in 「客户联系 可调用接口的应用」, may call externalcontact/*; 'agent': an ordinary self-built app. */
  kind: AppKind
}

export interface CallbackConfig {
  url: string
  token: string
  encodingAesKey: string
}

export interface Member {
  userid: string
  name: string
  department: number[]
  position: string
  mobile: string
  /** 客户联系 enabled: only these appear in get_follow_user_list and may own contact ways. */
  customerContact: boolean
}

export interface Department {
  id: number
  name: string
  parentid: number
  order: number
}

export interface Customer {
  external_userid: string
  name: string
  avatar: string
  type: 1 | 2
  gender: 0 | 1 | 2
  /** '' when the customer has none (corp not bound to a developer account, or not yet known). */
  unionid: string
  position?: string
  corp_name?: string
  corp_full_name?: string
}

/**
 * 'customer_deleted': the customer removed the member, but WeCom keeps the contact on the member's
 * side (one-way), so it still appears in list/get; mass messages to it fail with status 2.
 * A member deleting the customer removes the relation altogether.
 */
export type FollowStatus = 'active' | 'customer_deleted'

export interface Follow {
  /** Creation order within the corp; cursors are built on it, so paging is stable while data changes. */
  seq: number
  userid: string
  external_userid: string
  remark: string
  description: string
  /** unix seconds */
  createtime: number
  tags: string[]
  remark_corp_name: string
  remark_mobiles: string[]
  oper_userid: string
  add_way: number
  state: string
  status: FollowStatus
  /** Contact way the customer came through ('' otherwise). */
  config_id: string
  /** Temp-chat session end (ms), 0 when not a temp chat. */
  temp_chat_until: number
  temp_chat_closed: boolean
}

export interface TagGroup {
  seq: number
  group_id: string
  group_name: string
  create_time: number
  order: number
  deleted: boolean
  tag_ids: string[]
}

export interface Tag {
  seq: number
  id: string
  name: string
  create_time: number
  order: number
  deleted: boolean
  group_id: string
}

export interface Conclusions {
  text?: { content: string }
  image?: { media_id?: string; pic_url?: string }
  link?: { title: string; picurl?: string; desc?: string; url: string }
  miniprogram?: { title: string; pic_media_id: string; appid: string; page: string }
}

export interface ContactWay {
  seq: number
  config_id: string
  type: 1 | 2
  scene: 1 | 2
  style?: number
  remark: string
  skip_verify: boolean
  state: string
  user: string[]
  party: number[]
  is_temp: boolean
  expires_in?: number
  chat_expires_in?: number
  unionid?: string
  is_exclusive: boolean
  conclusions?: Conclusions
  /** ms */
  created_at: number
  /** A temp-chat way is spent once a friend is added through it (ms, 0 = unused). */
  used_at: number
  /** Round-robin pointer for multi-user ways. */
  next_pick: number
}

export interface WelcomeCode {
  code: string
  userid: string
  external_userid: string
  issued_at: number
  used_at: number
}

/** status: 0 not sent · 1 sent · 2 failed, not a friend · 3 failed, receive quota reached */
export interface GroupMsgResult {
  external_userid: string
  status: 0 | 1 | 2 | 3
  send_time: number
}

export interface GroupMsgTask {
  userid: string
  /** 0 not sent, 2 sent (confirmed by the member) */
  status: 0 | 2
  send_time: number
  results: GroupMsgResult[]
}

export interface GroupMsg {
  seq: number
  msgid: string
  chat_type: 'single'
  create_time: number
  create_type: 0 | 1
  creator?: string
  text?: { content: string }
  attachments: unknown[]
  allow_select: boolean
  tasks: GroupMsgTask[]
  /** ms of each remind_groupmsg_send, for the 3-per-24-h rule */
  reminders: number[]
  canceled: boolean
}

export interface Media {
  media_id: string
  type: string
  filename: string
  content_type: string
  size: number
  /** unix seconds */
  created_at: number
  /** Kept in memory only (not in the snapshot) so images can be served back as pic_url. */
  data?: Buffer
}

export interface OAuthCode {
  code: string
  userid?: string
  openid?: string
  external_userid?: string
  issued_at: number
  used: boolean
}

export interface Ticket {
  ticket: string
  expires_at: number
}

export interface AccessToken {
  token: string
  corpid: string
  agentid: number
  expires_at: number
}

export class CorpState {
  members = new Map<string, Member>()
  departments = new Map<number, Department>()
  customers = new Map<string, Customer>()
  /** Visible relations by customer, in seq order. */
  followsByCustomer = new Map<string, Follow[]>()
  /** Visible relations by member, in seq order (append-only except for deletions). */
  followsByUser = new Map<string, Follow[]>()
  tagGroups = new Map<string, TagGroup>()
  tags = new Map<string, Tag>()
  contactWays = new Map<string, ContactWay>()
  welcomeCodes = new Map<string, WelcomeCode>()
  groupMsgs = new Map<string, GroupMsg>()
  /** external_userid → times (ms) a mass message reached them, for the monthly receive quota. */
  massReceived = new Map<string, number[]>()
  /** Receive quota per customer per month; null = number of days in the month (the current default). */
  groupMsgQuota: number | null = null
  oauthCodes = new Map<string, OAuthCode>()
  jsapiTicket: Ticket | null = null
  agentTickets = new Map<number, Ticket>()
  /** Ticket fetches in the current hour: ≤ 400 per corp and ≤ 100 per app. Not persisted. */
  ticketWindow = { hour: -1, corp: 0, agents: new Map<number, number>() }
  media = new Map<string, Media>()
  seq = 0

  constructor(
    public corpid: string,
    public name: string,
    public apps: SandboxApp[],
    public callback: CallbackConfig | null,
  ) {}

  nextSeq(): number {
    return ++this.seq
  }

  app(agentid: number): SandboxApp | undefined {
    return this.apps.find((a) => a.agentid === agentid)
  }

  /** The app whose AgentID goes into customer-contact callbacks. */
  contactApp(): SandboxApp | undefined {
    return this.apps.find((a) => a.kind === 'contact') ?? this.apps[0]
  }

  agentApp(): SandboxApp | undefined {
    return this.apps.find((a) => a.kind === 'agent') ?? this.apps[0]
  }

  findFollow(userid: string, externalUserid: string): Follow | undefined {
    const list = this.followsByCustomer.get(externalUserid)
    if (!list) return undefined
    for (const f of list) if (f.userid === userid) return f
    return undefined
  }

  addFollow(f: Follow): void {
    let byCustomer = this.followsByCustomer.get(f.external_userid)
    if (!byCustomer) this.followsByCustomer.set(f.external_userid, (byCustomer = []))
    byCustomer.push(f)
    let byUser = this.followsByUser.get(f.userid)
    if (!byUser) this.followsByUser.set(f.userid, (byUser = []))
    byUser.push(f)
  }

  removeFollow(f: Follow): void {
    const byCustomer = this.followsByCustomer.get(f.external_userid)
    if (byCustomer) {
      const i = byCustomer.indexOf(f)
      if (i >= 0) byCustomer.splice(i, 1)
    }
    const byUser = this.followsByUser.get(f.userid)
    if (byUser) {
      const i = indexBySeq(byUser, f.seq)
      if (i >= 0) byUser.splice(i, 1)
    }
  }

  /** Tag ids on a relation that still exist; deleting a corp tag removes it from every customer. */
  liveTagIds(f: Follow): string[] {
    if (f.tags.length === 0) return f.tags
    return f.tags.filter((id) => this.tags.get(id)?.deleted === false)
  }
}

/** Binary search of a seq-sorted array for an exact seq (-1 when absent). */
export function indexBySeq(list: { seq: number }[], seq: number): number {
  let lo = 0
  let hi = list.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    const s = list[mid].seq
    if (s === seq) return mid
    if (s < seq) lo = mid + 1
    else hi = mid - 1
  }
  return -1
}

/** First index whose seq is greater than `seq` in a seq-sorted array. */
export function indexAfterSeq(list: { seq: number }[], seq: number): number {
  let lo = 0
  let hi = list.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (list[mid].seq <= seq) lo = mid + 1
    else hi = mid
  }
  return lo
}

export interface WelcomeLogEntry {
  at: number
  corpid: string
  welcome_code: string
  userid: string
  external_userid: string
  text?: { content: string }
  attachments: unknown[]
}

export interface MarkTagLogEntry {
  at: number
  corpid: string
  userid: string
  external_userid: string
  add_tag: string[]
  remove_tag: string[]
}

export interface RemarkLogEntry {
  at: number
  corpid: string
  userid: string
  external_userid: string
  changes: Record<string, unknown>
}

export interface AppMessageLogEntry {
  at: number
  corpid: string
  msgid: string
  agentid: number
  msgtype: string
  touser: string[]
  invaliduser: string[]
  invalidparty: string[]
  invalidtag: string[]
  body: unknown
}

export interface TempChatLogEntry {
  at: number
  corpid: string
  userid: string
  external_userid: string
  config_id: string
  conclusions?: Conclusions
}

/** An append-only log bounded in memory; benchmarks can run millions of calls through it. */
export class CappedLog<T extends { corpid: string }> {
  items: T[] = []
  constructor(private readonly cap = 20_000) {}

  push(item: T): void {
    this.items.push(item)
    // Trim in chunks: amortised O(1) per push instead of a shift per push.
    if (this.items.length >= this.cap * 2) this.items.splice(0, this.items.length - this.cap)
  }

  list(filter: { corpid?: string; limit?: number } = {}): T[] {
    const limit = Math.min(filter.limit ?? this.cap, this.cap)
    const source = filter.corpid ? this.items.filter((i) => i.corpid === filter.corpid) : this.items
    return source.slice(Math.max(0, source.length - limit))
  }

  clear(): void {
    this.items = []
  }
}

export class SandboxLogs {
  welcome = new CappedLog<WelcomeLogEntry>()
  markTag = new CappedLog<MarkTagLogEntry>()
  remark = new CappedLog<RemarkLogEntry>()
  appMessages = new CappedLog<AppMessageLogEntry>()
  tempChat = new CappedLog<TempChatLogEntry>()
  callbacks = new CappedLog<Delivery>()

  clear(): void {
    for (const log of [this.welcome, this.markTag, this.remark, this.appMessages, this.tempChat, this.callbacks]) log.clear()
  }
}

export class SandboxState {
  ids: IdGen
  corps = new Map<string, CorpState>()
  tokens = new Map<string, AccessToken>()
  /** `${corpid}/${agentid}` → the app's current token, so gettoken returns the same one while valid. */
  appTokens = new Map<string, string>()
  logs = new SandboxLogs()
  /** The Official Account emulator's world (not in the snapshot yet). */
  oa = new OaSandboxState()

  constructor(private readonly idSeed?: number) {
    this.ids = new IdGen(idSeed)
  }

  /** Forget everything, including the id sequence, so a reseed reproduces the same ids. */
  reset(): void {
    this.ids = new IdGen(this.idSeed)
    this.corps.clear()
    this.tokens.clear()
    this.appTokens.clear()
    this.logs.clear()
    this.oa.reset()
  }

  /** Every token stops working at once (WeCom may invalidate early; clients must re-fetch on 40014). */
  invalidateTokens(corpid?: string): number {
    let n = 0
    for (const [token, t] of this.tokens) {
      if (corpid && t.corpid !== corpid) continue
      this.tokens.delete(token)
      this.appTokens.delete(`${t.corpid}/${t.agentid}`)
      n++
    }
    return n
  }
}
