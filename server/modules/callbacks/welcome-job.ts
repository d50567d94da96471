// The welcome's own queue job (fast lane): an add event's welcome_code is sent before anything else of the event is done.
import type { Deps } from '../../deps'
import { parseCallbackXml } from '../../platform/flat-xml'
import { field } from '../../platform/xml'
import { cachedContactWayByState } from '../contact-ways/contact-way-cache'
import { findEventToProcess } from './callbacks.repository'
import type { CallbackEventsTable } from './callbacks.table'
import { sendWelcomeOnce } from './welcome-send'

export const WELCOME_JOB = 'wecom.welcome'

/**
 * Everything the send needs, written by the callback store from the event it just stored, so the job reads no event row
 * and parses no XML. Only eventId when the job comes from releasing a held event (the rest is then read from the row).
 */
export interface WelcomeJobPayload {
  eventId: number
  userid?: string
  externalUserid?: string
  state?: string
  welcomeCode?: string
  /** The event's CreateTime, epoch ms. */
  createTime?: number
}

const ADD_CHANGES = new Set(['add_external_contact', 'add_half_external_contact'])

/** Whether a stored event is a customer's add, whose welcome gets its own job beside the event's processing job. */
export function hasWelcome(row: Pick<CallbackEventsTable, 'source' | 'msg_type' | 'event' | 'change_type'>): boolean {
  return row.source === 'wecom' && row.msg_type === 'event' && row.event === 'change_external_contact' && ADD_CHANGES.has(row.change_type)
}

/**
 * Sends the welcome of one add event (the org was active when the event was stored, else it would have been held). The event's own job stores the customer, tags and notice; this one only needs the
 * event, the way and the org's client, so it starts within moments of the event however long the rest takes. Exactly
 * once comes from the welcome row claimed before the call (sendWelcomeOnce). A disabled org's event waits: releasing
 * it queues this job again.
 */
export async function processWelcomeJob(deps: Deps, orgId: number, p: WelcomeJobPayload): Promise<void> {
  if (p.userid && p.externalUserid && p.createTime !== undefined) {
    const way = p.state ? await cachedContactWayByState(deps.db, orgId, p.state) : undefined
    const client = await deps.wecom.for(orgId, 'contact')
    await sendWelcomeOnce(deps, client, {
      orgId,
      event: { id: p.eventId, create_time: p.createTime },
      userid: p.userid,
      externalUserid: p.externalUserid,
      way,
      welcomeCode: p.welcomeCode ?? '',
    })
    return
  }
  const found = await findEventToProcess(deps.db, p.eventId)
  if (!found || !found.orgActive || !hasWelcome(found.event)) return
  const { event } = found
  const doc = parseCallbackXml(event.plaintext)
  const userid = field(doc, 'UserID')
  const externalUserid = field(doc, 'ExternalUserID')
  // The event's own job reports an add without these; there is nobody to welcome.
  if (!userid || !externalUserid) return
  const state = field(doc, 'State')
  const way = state ? await cachedContactWayByState(deps.db, event.org_id, state) : undefined
  const client = await deps.wecom.for(event.org_id, 'contact')
  await sendWelcomeOnce(deps, client, { orgId: event.org_id, event, userid, externalUserid, way, welcomeCode: field(doc, 'WelcomeCode') })
}
