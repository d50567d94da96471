// Optional JSON snapshot of the sandbox world, so a demo survives restarts: loaded on start, saved debounced and on close.
import { existsSync, readFileSync } from 'node:fs'
import { mkdir, rename, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import {
  type AccessToken,
  type CallbackConfig,
  type ContactWay,
  CorpState,
  type Customer,
  type Department,
  type Follow,
  type GroupMsg,
  type Media,
  type Member,
  type OAuthCode,
  type SandboxApp,
  type SandboxState,
  type Tag,
  type TagGroup,
  type Ticket,
  type WelcomeCode,
} from './state'

const VERSION = 1

interface CorpSnapshot {
  corpid: string
  name: string
  apps: SandboxApp[]
  callback: CallbackConfig | null
  seq: number
  departments: Department[]
  members: Member[]
  customers: Customer[]
  follows: Follow[]
  tag_groups: TagGroup[]
  tags: Tag[]
  contact_ways: ContactWay[]
  welcome_codes: WelcomeCode[]
  group_msgs: GroupMsg[]
  mass_received: [string, number[]][]
  group_msg_quota: number | null
  oauth_codes: OAuthCode[]
  jsapi_ticket: Ticket | null
  agent_tickets: [number, Ticket][]
  media: Media[]
}

interface Snapshot {
  version: number
  saved_at: number
  ids: { counter: number; s: number }
  tokens: AccessToken[]
  app_tokens: [string, string][]
  corps: CorpSnapshot[]
}

function corpSnapshot(corp: CorpState): CorpSnapshot {
  const follows: Follow[] = []
  for (const list of corp.followsByUser.values()) follows.push(...list)
  follows.sort((a, b) => a.seq - b.seq)
  return {
    corpid: corp.corpid,
    name: corp.name,
    apps: corp.apps,
    callback: corp.callback,
    seq: corp.seq,
    departments: [...corp.departments.values()],
    members: [...corp.members.values()],
    customers: [...corp.customers.values()],
    follows,
    tag_groups: [...corp.tagGroups.values()],
    tags: [...corp.tags.values()],
    contact_ways: [...corp.contactWays.values()],
    welcome_codes: [...corp.welcomeCodes.values()],
    group_msgs: [...corp.groupMsgs.values()],
    mass_received: [...corp.massReceived],
    group_msg_quota: corp.groupMsgQuota,
    oauth_codes: [...corp.oauthCodes.values()],
    jsapi_ticket: corp.jsapiTicket,
    agent_tickets: [...corp.agentTickets],
    // Image bytes stay out of the file; the metadata keeps media_ids valid after a restart.
    media: [...corp.media.values()].map(({ data: _data, ...m }) => m),
  }
}

export function snapshot(state: SandboxState, nowMs: number): Snapshot {
  return {
    version: VERSION,
    saved_at: nowMs,
    ids: state.ids.snapshot(),
    tokens: [...state.tokens.values()],
    app_tokens: [...state.appTokens],
    corps: [...state.corps.values()].map(corpSnapshot),
  }
}

/** Replaces the state's contents with the snapshot's (logs start empty). */
export function restore(state: SandboxState, snap: Snapshot): void {
  if (snap.version !== VERSION) throw new Error(`snapshot version ${snap.version} is not ${VERSION}`)
  state.reset()
  state.ids.restore(snap.ids)
  for (const t of snap.tokens) state.tokens.set(t.token, t)
  for (const [k, v] of snap.app_tokens) state.appTokens.set(k, v)
  for (const c of snap.corps) {
    const corp = new CorpState(c.corpid, c.name, c.apps, c.callback)
    corp.seq = c.seq
    for (const d of c.departments) corp.departments.set(d.id, d)
    for (const m of c.members) corp.members.set(m.userid, m)
    for (const cu of c.customers) corp.customers.set(cu.external_userid, cu)
    // Sorted by seq in the file, so both indexes come back in seq order.
    for (const f of c.follows) corp.addFollow(f)
    for (const g of c.tag_groups) corp.tagGroups.set(g.group_id, g)
    for (const t of c.tags) corp.tags.set(t.id, t)
    for (const w of c.contact_ways) corp.contactWays.set(w.config_id, w)
    for (const w of c.welcome_codes) corp.welcomeCodes.set(w.code, w)
    for (const m of c.group_msgs) corp.groupMsgs.set(m.msgid, m)
    for (const [k, v] of c.mass_received) corp.massReceived.set(k, v)
    corp.groupMsgQuota = c.group_msg_quota
    for (const o of c.oauth_codes) corp.oauthCodes.set(o.code, o)
    corp.jsapiTicket = c.jsapi_ticket
    for (const [k, v] of c.agent_tickets) corp.agentTickets.set(k, v)
    for (const m of c.media) corp.media.set(m.media_id, m)
    state.corps.set(corp.corpid, corp)
  }
}

/** Reads a snapshot file; null when there is none. A corrupt file is an error the caller reports. */
export function loadSnapshotFile(file: string): Snapshot | null {
  if (!existsSync(file)) return null
  return JSON.parse(readFileSync(file, 'utf8')) as Snapshot
}

/**
 * Debounced writer: many changes in a burst (a benchmark) become one write. Writes go to a temp file
 * renamed into place, so a crash mid-write never leaves a truncated snapshot.
 */
export class SnapshotWriter {
  private timer: NodeJS.Timeout | null = null
  private dirty = false
  private writing: Promise<void> = Promise.resolve()

  constructor(
    private readonly file: string,
    private readonly take: () => Snapshot,
    private readonly onError: (err: unknown) => void,
    private readonly delayMs = 1000,
  ) {}

  schedule(): void {
    this.dirty = true
    if (this.timer) return
    this.timer = setTimeout(() => {
      this.timer = null
      void this.flush()
    }, this.delayMs)
    this.timer.unref()
  }

  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer)
      this.timer = null
    }
    // Serialise writes: the next one starts only after the previous rename.
    this.writing = this.writing.then(async () => {
      if (!this.dirty) return
      this.dirty = false
      try {
        const text = JSON.stringify(this.take())
        await mkdir(dirname(this.file), { recursive: true })
        const tmp = `${this.file}.${process.pid}.tmp`
        await writeFile(tmp, text)
        await rename(tmp, this.file)
      } catch (err) {
        this.onError(err)
      }
    })
    return this.writing
  }
}
