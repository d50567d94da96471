// Imports the corp's 「联系我」 codes made outside the CRM (read-only, 外部创建), each with the latest time it can have been created.
import type { Deps } from '../../deps'
import { toJson } from '../../db/dialect'
import type { ContactWay } from '../../platform/wecom/contact-way.types'
import {
  ensureSyncSettings,
  findSyncSettings,
  findWaysForAttribution,
  insertExternalWay,
  setSyncSettings,
} from './customer-sync.repository'

/** list_contact_way only knows codes created after this day (fact sheet A.3). */
const LIST_EPOCH_S = Math.floor(Date.UTC(2021, 6, 10) / 1000)
/** Top-level listing windows; narrower windows are only asked where a new code sits. */
const WINDOW_S = 90 * 86400
/**
 * get_contact_way carries no creation time, so a code's window is halved down to one second (about 23 list calls per
 * code, once): that second is then compared with WeCom's createtime, which is in seconds too, so a relation added
 * before the code was made is never credited to it.
 */
const PRECISION_S = 1

export async function importExternalWays(deps: Deps, orgId: number): Promise<number> {
  const client = await deps.wecom.for(orgId)
  await ensureSyncSettings(deps.db, orgId, deps.clock.now())
  const settings = (await findSyncSettings(deps.db, orgId))!
  const nowS = Math.floor(deps.clock.now() / 1000)
  const known = new Set((await findWaysForAttribution(deps.db, orgId)).map((w) => w.config_id).filter((c): c is string => !!c))

  const listWindow = async (start: number, end: number): Promise<string[]> => {
    const ids: string[] = []
    let cursor: string | undefined
    do {
      const page = await client.contactWay.list({ start_time: start, end_time: end, cursor, limit: 1000 })
      for (const w of page.contact_way) if (!known.has(w.config_id)) ids.push(w.config_id)
      cursor = page.next_cursor || undefined
    } while (cursor)
    return ids
  }
  // Detail first: a code without a state cannot be credited with anyone, so its window is not worth narrowing.
  const details = new Map<string, ContactWay>()
  const keep = async (ids: string[]) => {
    const out: string[] = []
    for (const id of ids) {
      let w = details.get(id)
      if (!w) {
        w = (await client.contactWay.get(id)).contact_way
        details.set(id, w)
      }
      if (w.state) out.push(id)
    }
    return out
  }
  const found = new Map<string, number>()
  const narrow = async (start: number, end: number, ids: string[]): Promise<void> => {
    if (ids.length === 0) return
    if (end - start < PRECISION_S) {
      for (const id of ids) found.set(id, end * 1000)
      return
    }
    const mid = Math.floor((start + end) / 2)
    const wanted = new Set(ids)
    const left = (await listWindow(start, mid)).filter((id) => wanted.has(id))
    await narrow(start, mid, left)
    const leftSet = new Set(left)
    await narrow(
      mid + 1,
      end,
      ids.filter((id) => !leftSet.has(id)),
    )
  }
  for (let start = Math.max(LIST_EPOCH_S, Number(settings.ways_listed_until)); start <= nowS; start += WINDOW_S + 1) {
    const end = Math.min(nowS, start + WINDOW_S)
    await narrow(start, end, await keep(await listWindow(start, end)))
  }

  let imported = 0
  for (const [configId, createdBefore] of found) {
    await insertExternalWay(deps.db, externalWayRow(orgId, details.get(configId)!, createdBefore, deps.clock.now()))
    imported++
  }
  // A little overlap: a code created in the last seconds may not be listed yet; known ids are skipped next time.
  await setSyncSettings(deps.db, orgId, { ways_listed_until: Math.max(LIST_EPOCH_S, nowS - 60), updated_at: deps.clock.now() })
  return imported
}

function externalWayRow(orgId: number, w: ContactWay, createdAt: number, now: number) {
  const state = (w.state ?? '').slice(0, 64)
  return {
    wecom_state: state,
    org_id: orgId,
    config_id: w.config_id,
    type: w.type,
    scene: w.scene,
    style: w.style ?? null,
    remark: (w.remark ?? '').slice(0, 64),
    skip_verify: w.skip_verify === false ? 0 : 1,
    // Unique per org like every code's state, and never a state WeCom sends (see wecom_state).
    state: `~ext:${w.config_id}`.slice(0, 64),
    channel_name: (w.remark || state || '外部渠道').slice(0, 64),
    user_ids: toJson(w.user ?? []),
    party_ids: toJson(w.party ?? []),
    is_temp: w.is_temp ? 1 : 0,
    expires_in: w.expires_in ?? null,
    chat_expires_in: w.chat_expires_in ?? null,
    unionid: w.unionid ?? null,
    is_exclusive: 0,
    conclusions: null,
    welcome: null,
    tag_ids: '[]',
    qr_code: w.qr_code ?? null,
    created_by: null,
    external: 1,
    created_at: createdAt,
    updated_at: now,
  }
}
