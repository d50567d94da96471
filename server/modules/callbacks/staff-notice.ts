// Best-effort app messages to a staff member about their customers (new customer, customer left): never failing the event.
import type { Deps } from '../../deps'
import { PlatformError, PlatformTransportError } from '../../platform/errors'

export interface StaffNotice {
  userid: string
  content: string
}

/** A usable agentid (message/send needs the number), or null when the org has no app for messages. */
export function agentIdOf(agentId: string | null | undefined): number | null {
  const n = Number(agentId)
  return agentId && Number.isInteger(n) && n > 0 ? n : null
}

/**
 * Sends the notice once; any failure is logged and swallowed. Callers send only for a change they have just committed
 * (a relation that became active, or ended), so a replayed event, which changes nothing, tells nobody twice; a crash
 * between that commit and this call loses the notice, which is the price of never sending it twice.
 */
export async function notifyStaff(deps: Deps, orgId: number, notice: StaffNotice): Promise<void> {
  try {
    const client = await deps.wecom.for(orgId, 'agent')
    // An org without an app for messages has nobody to tell.
    const agentid = agentIdOf(client.agentId)
    if (agentid === null) return
    await client.message.send({ touser: notice.userid, msgtype: 'text', agentid, text: { content: notice.content } })
  } catch (err) {
    // A member outside the app's range (81013), a missing agent secret, a network hiccup: logged, not escalated.
    const known = err instanceof PlatformError || err instanceof PlatformTransportError
    deps.log.warn({ orgId, userid: notice.userid, err: known ? (err as Error).message : err }, 'staff notice not sent')
  }
}
