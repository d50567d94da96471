// The customer's timeline: the event log, welcome outcomes, broadcast results and messages merged, newest first, paged.
import type { Deps } from '../../deps'
import { fromJson } from '../../db/dialect'
import type { Page } from '../../../shared/schemas/common'
import type { CustomerTimelineInput, TimelineEntry } from '../../../shared/schemas/customer-timeline'
import { notFound } from '../../lib/errors'
import { findCustomer, findMessagesOf } from './customers.repository'
import {
  countBroadcastTargetsOf,
  countCustomerEvents,
  countMessagesOf,
  countWelcomeSendsOf,
  findAdminNames,
  findBroadcastTargetsOf,
  findCustomerEvents,
  findStaffNames,
  findTagNames,
  findWayNames,
  findWelcomeSendsOf,
} from './customer-events.repository'

interface Detail {
  tags?: number[]
  from?: string
  to?: string
  contactWayId?: number | null
  state?: string
  via?: string
  auto?: boolean
}

/** An entry before names are filled in: staff, admins, tags and ways are looked up once for the whole page. */
interface Raw {
  entry: Omit<TimelineEntry, 'actor' | 'staff' | 'tags'>
  sortId: number
  actorType: TimelineEntry['actor']['type']
  actorId: string
  userid: string | null
  tagRefs: number[]
  wayId: number | null
}

/**
 * Each source gives its newest page × pageSize rows (no page of the merge can need more of one source), the merge is
 * sorted and cut; the total is the sum of the sources' counts.
 */
export async function customerTimeline(deps: Deps, orgId: number, input: CustomerTimelineInput): Promise<Page<TimelineEntry>> {
  const c = await findCustomer(deps.db, orgId, input.id)
  if (!c) notFound('客户', input.id)
  const reach = input.page * input.pageSize
  const [events, welcomes, targets, messages, counts] = await Promise.all([
    findCustomerEvents(deps.db, orgId, c.id, reach),
    findWelcomeSendsOf(deps.db, orgId, c.external_userid, reach),
    findBroadcastTargetsOf(deps.db, orgId, c.id, reach),
    findMessagesOf(deps.db, orgId, c.id, reach),
    Promise.all([
      countCustomerEvents(deps.db, orgId, c.id),
      countWelcomeSendsOf(deps.db, orgId, c.external_userid),
      countBroadcastTargetsOf(deps.db, orgId, c.id),
      countMessagesOf(deps.db, orgId, c.id),
    ]),
  ])
  const blank = { status: null, text: null, from: null, to: null }
  const raws: Raw[] = [
    ...events.map((e): Raw => {
      const d = fromJson<Detail>(e.detail, {})
      return {
        entry: {
          ...blank,
          id: `e:${e.id}`,
          kind: e.kind,
          at: Number(e.at),
          from: d.from ?? null,
          to: d.to ?? null,
          status: d.via ?? null,
          // An add names its channel (the way's name below; its state when no way is known).
          text: d.state || null,
        },
        sortId: e.id,
        actorType: e.actor_type,
        actorId: e.actor_id,
        userid: e.userid || null,
        tagRefs: d.tags ?? [],
        wayId: d.contactWayId ?? null,
      }
    }),
    ...welcomes.map((w): Raw => ({
      // The outcome is known when the attempt finished; a skipped one was recorded at once.
      entry: { ...blank, id: `w:${w.id}`, kind: 'welcome', at: Number(w.updated_at), status: w.status, text: w.error },
      sortId: w.id,
      actorType: 'system',
      actorId: '',
      userid: w.userid,
      tagRefs: [],
      wayId: null,
    })),
    ...targets.map((t): Raw => ({
      entry: { ...blank, id: `b:${t.id}`, kind: 'broadcast', at: Number(t.send_time ?? t.updated_at), status: t.status, text: t.title },
      sortId: t.id,
      actorType: 'staff',
      actorId: t.sender,
      userid: t.sender,
      tagRefs: [],
      wayId: null,
    })),
    ...messages.map((m): Raw => {
      const inbound = m.from_id === c.external_userid
      return {
        entry: { ...blank, id: `m:${m.id}`, kind: 'message', at: Number(m.create_time), status: inbound ? 'in' : 'out', text: m.content },
        sortId: m.id,
        actorType: inbound ? 'customer' : 'staff',
        actorId: inbound ? '' : m.from_id,
        userid: inbound ? m.to_id : m.from_id,
        tagRefs: [],
        wayId: null,
      }
    }),
  ]
  // Newest first; equal times keep each source's own order (id), sources in a fixed order, so pages never overlap.
  const order = { e: 0, w: 1, b: 2, m: 3 } as const
  raws.sort(
    (a, b) =>
      b.entry.at - a.entry.at ||
      order[a.entry.id[0] as keyof typeof order] - order[b.entry.id[0] as keyof typeof order] ||
      b.sortId - a.sortId,
  )
  const page = raws.slice(reach - input.pageSize, reach)

  const userids = new Set<string>()
  const adminIds = new Set<number>()
  for (const r of page) {
    if (r.userid) userids.add(r.userid)
    if (r.actorType === 'staff' && r.actorId) userids.add(r.actorId)
    if (r.actorType === 'admin' && Number(r.actorId) > 0) adminIds.add(Number(r.actorId))
  }
  const [staff, admins, tags, ways] = await Promise.all([
    findStaffNames(deps.db, orgId, [...userids]),
    findAdminNames(deps.db, [...adminIds]),
    findTagNames(deps.db, orgId, [...new Set(page.flatMap((r) => r.tagRefs))]),
    findWayNames(deps.db, orgId, [...new Set(page.map((r) => r.wayId).filter((w): w is number => w !== null))]),
  ])
  const actorName = (r: Raw): string => {
    switch (r.actorType) {
      case 'staff':
        return staff.get(r.actorId) ?? r.actorId
      case 'admin':
        return admins.get(Number(r.actorId)) ?? '管理员'
      case 'customer':
        return c.name || '客户'
      default:
        return '系统'
    }
  }
  return {
    total: counts.reduce((a, b) => a + b, 0),
    items: page.map((r) => ({
      ...r.entry,
      text: r.wayId !== null ? (ways.get(r.wayId) ?? r.entry.text) : r.entry.text,
      actor: { type: r.actorType, name: actorName(r) },
      staff: r.userid ? { userid: r.userid, name: staff.get(r.userid) ?? r.userid } : null,
      // A tag deleted since is still named as deleted.
      tags: r.tagRefs.map((t) => tags.get(t) ?? '已删除的标签'),
    })),
  }
}
