// add_external_contact / add_half_external_contact (Flow 1): detail, WeCom tags, customer, lead, source tag, staff notice (the welcome is its own job).
import { fromJson } from '../../../../db/dialect'
import { PlatformError } from '../../../../platform/errors'
import { field } from '../../../../platform/xml'
import { PermanentJobError } from '../../../../queue/queue'
import { SOURCE_TAG_GROUP, sourceTagName } from '../../../../../shared/schemas/contact-way'
import type { ContactWayRow } from '../../../contact-ways/contact-ways.table'
import { cachedContactWayByState } from '../../../contact-ways/contact-way-cache'
import { corpTagIdsOf, ingestContact, type IngestInput } from '../../../customers/customers.ingest'
import { staffActor } from '../../../customers/customer-events'
import { cachedKnownWecomTags } from '../../../tags/tags-cache'
import type { OrgWecomClient } from '../../../wecom-config/wecom-client'
import { writeTransaction } from '../../../../db/transaction'
import type { CallbackHandler, HandlerContext } from '../handler'
import { notifyStaff } from '../../staff-notice'
import { fetchCustomerDetail } from './detail'

type Client = OrgWecomClient

export const addExternalContact: CallbackHandler = async (ctx) => {
  const { deps, orgId, event, doc } = ctx
  const userid = field(doc, 'UserID')
  const externalUserid = field(doc, 'ExternalUserID')
  if (!userid || !externalUserid) throw new PermanentJobError(`${event.change_type} without UserID or ExternalUserID`)
  const state = field(doc, 'State')
  const way = state ? await cachedContactWayByState(deps.db, orgId, state) : undefined
  const client = await deps.wecom.for(orgId, 'contact')

  // (a) The welcome_code dies 20 s after the event: it is sent by the event's welcome job (welcome-job.ts), in the
  // queue's fast lane, so nothing here can delay it.

  // (b) The detail: the relation as WeCom has it now (it may already be gone again).
  const detail = await fetchCustomerDetail(client, externalUserid)
  const follow = detail.follow_user.find((f) => f.userid === userid)
  if (!follow)
    deps.log.info({ orgId, eventId: event.id, userid }, 'add event: WeCom no longer lists this relation; customer stored without it')

  // (c) The contact way's WeCom tags, only those WeCom does not yet show on the relation (so a replay marks nothing),
  // marked before the writes so that their links and timeline entry share the customer's one transaction.
  const markedTags = follow && way ? await markWayTags(ctx, client, way, { userid, externalUserid, has: corpTagIdsOf(follow) }) : undefined

  // (d–f) Customer, relation, lead, source tag and tag links in one transaction.
  const now = deps.clock.now()
  const sourceTag = way ? { group: SOURCE_TAG_GROUP, name: sourceTagName(way.channel_name) } : null
  const result = await writeTransaction(deps.db, (trx) =>
    ingestContact(trx, {
      orgId,
      contact: detail.external_contact,
      userid,
      follow,
      add: { state, contactWayId: way?.id ?? null, sourceTag, eventTimeMs: Number(event.create_time), ownerUserid: userid },
      now,
      actor: staffActor(userid),
      dedupeKey: `cb:${event.id}`,
      markedTags,
    }),
  )

  // (g) The member's notice, only when this run made the relation active (so a replay tells nobody twice).
  const name = detail.external_contact.name || externalUserid
  if (result.followActivated)
    await notifyStaff(deps, orgId, {
      userid,
      content: way ? `新客户 ${name} 通过「${way.channel_name}」添加了你` : `新客户 ${name} 添加了你`,
    })
  return 'processed'
}

/** Marks the way's tags at WeCom; what it marked, for ingestContact to link and record (undefined when nothing was). */
async function markWayTags(
  { deps, orgId, event }: HandlerContext,
  client: Client,
  way: ContactWayRow,
  rel: { userid: string; externalUserid: string; has: string[] },
): Promise<IngestInput['markedTags']> {
  const wanted = fromJson<string[]>(way.tag_ids, []).filter((t) => typeof t === 'string' && t !== '')
  if (wanted.length === 0) return undefined
  // Only tags mirrored locally: an id WeCom deleted since the way was saved would fail the whole mark_tag call.
  const known = await cachedKnownWecomTags(deps.db, orgId, wanted)
  if (known.length < wanted.length)
    deps.log.warn(
      { orgId, wayId: way.id, unknown: wanted.filter((t) => !known.some((k) => k.tag_id === t)) },
      'contact way tags not known locally; skipped',
    )
  const has = new Set(rel.has)
  const add = known.filter((t) => !has.has(t.tag_id))
  if (add.length === 0) return undefined
  try {
    await client.tag.mark({ userid: rel.userid, external_userid: rel.externalUserid, add_tag: add.map((t) => t.tag_id) })
  } catch (err) {
    // The relation ended meanwhile (84061) or a tag vanished (40068): retrying the event cannot fix that.
    if (err instanceof PlatformError) {
      deps.log.warn({ orgId, eventId: event.id, errcode: err.errcode }, 'contact way tags not applied')
      return undefined
    }
    throw err
  }
  // The key keeps a replay of this event from recording the entry twice.
  return { tagIds: add.map((t) => t.tag_id), refs: add.map((t) => t.id), dedupeKey: `cb:${event.id}:way` }
}
