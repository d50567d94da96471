// Full customer sync of one org (Flow 2): follow users → batch/get_by_user pages → upserts; unseen relations become lost.
import type { Deps } from '../../deps'
import type { FollowInfo, FollowUser } from '../../platform/wecom/external-contact.types'
import { findContactWayByState } from '../contact-ways/contact-ways.repository'
import { SOURCE_TAG_GROUP, sourceTagName } from '../../../shared/schemas/contact-way'
import { syncCorpTags } from '../tags/tags.service'
import { syncStaff } from '../wecom-config/wecom-config.service'
import { ingestContact } from './customers.ingest'
import { findActiveFollows, markFollowsLost, replaceFollowTags } from './customers.repository'

/** batch/get_by_user takes at most 100 members per call and 100 rows per page. */
const USERS_PER_CALL = 100
const PAGE_LIMIT = 100

export interface SyncResult {
  staff: number
  relations: number
  customersCreated: number
  relationsActivated: number
  relationsLost: number
}

/** batch/get_by_user's follow_info carries tag ids only; /get's follow_user carries tags with names. Same relation. */
function asFollowUser(f: FollowInfo): FollowUser {
  return { ...f, tags: (f.tag_id ?? []).map((id) => ({ tag_id: id, type: 1, group_name: '', tag_name: '' })) }
}

export async function syncCustomers(
  deps: Deps,
  orgId: number,
  progress: (done: number, total: number) => Promise<void> = async () => {},
): Promise<SyncResult> {
  const client = await deps.wecom.for(orgId)
  const staffCount = await syncStaff(deps, orgId)
  await syncCorpTags(deps, orgId)
  const { follow_user: userids } = await client.externalContact.getFollowUserList()
  const result: SyncResult = { staff: staffCount, relations: 0, customersCreated: 0, relationsActivated: 0, relationsLost: 0 }
  // Relations WeCom lists in this pass; ingest writes only what changed, so a timestamp cannot tell "seen".
  const seen = new Set<string>()
  // Channel lookups repeat for every relation of a channel; remember them for this pass.
  const channels = new Map<string, { contactWayId: number | null; sourceTag: { group: string; name: string } | null }>()
  const channelOf = async (state: string) => {
    let hit = channels.get(state)
    if (!hit) {
      const way = state ? await findContactWayByState(deps.db, orgId, state) : undefined
      hit = {
        contactWayId: way?.id ?? null,
        sourceTag: way ? { group: SOURCE_TAG_GROUP, name: sourceTagName(way.channel_name) } : null,
      }
      channels.set(state, hit)
    }
    return hit
  }

  const batches = Math.ceil(userids.length / USERS_PER_CALL)
  for (let b = 0; b < batches; b++) {
    const userid_list = userids.slice(b * USERS_PER_CALL, (b + 1) * USERS_PER_CALL)
    let cursor: string | undefined
    do {
      const page = await client.externalContact.batchGetByUser({ userid_list, cursor, limit: PAGE_LIMIT })
      const now = deps.clock.now()
      const attributions = await Promise.all(page.external_contact_list.map((row) => channelOf(row.follow_info.state ?? '')))
      // One transaction per page: a crash loses at most one page's work, and the next pass redoes it.
      await deps.db.transaction().execute(async (trx) => {
        for (const [i, row] of page.external_contact_list.entries()) {
          const follow = asFollowUser(row.follow_info)
          const channel = attributions[i]
          const r = await ingestContact(trx, {
            orgId,
            contact: row.external_contact,
            userid: follow.userid,
            follow,
            add: {
              state: follow.state ?? '',
              contactWayId: channel.contactWayId,
              sourceTag: channel.sourceTag,
              eventTimeMs: follow.createtime * 1000,
              ownerUserid: follow.userid,
            },
            now,
          })
          await replaceFollowTags(trx, orgId, r.customerId, follow.userid, r.followTagIds, now)
          seen.add(`${r.customerId}:${follow.userid}`)
          result.relations++
          if (r.customerCreated) result.customersCreated++
          if (r.followActivated) result.relationsActivated++
        }
      })
      cursor = page.next_cursor || undefined
    } while (cursor)
    await progress(b + 1, batches)
  }

  // Only a complete pass may end relations (an exception above skips this).
  result.relationsLost = await markUnseenLost(deps, orgId, seen)
  return result
}

async function markUnseenLost(deps: Deps, orgId: number, seen: Set<string>): Promise<number> {
  const now = deps.clock.now()
  const stale = (await findActiveFollows(deps.db, orgId)).filter((r) => !seen.has(`${r.customer_id}:${r.userid}`))
  if (stale.length === 0) return 0
  await deps.db.transaction().execute((trx) => markFollowsLost(trx, orgId, stale, now))
  return stale.length
}
