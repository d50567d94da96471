// Callback processing: the worker loads a stored event and dispatches on (MsgType, Event, ChangeType).
import type { Deps } from '../../deps'
import type { XmlObject } from '../../platform/xml'
import type { CallbackEventRow } from './callbacks.table'
import { CALLBACK_JOB } from './callback-store'
import { wecomHandlers } from './handlers/index'
import { parseCallbackXml } from './flat-xml'

export interface HandlerContext {
  deps: Deps
  orgId: number
  event: CallbackEventRow
  /** The decrypted message, all values strings. */
  doc: XmlObject
}

/** 'ignored' when the event needs nothing from us (recorded as such, never an error). */
export type CallbackHandler = (ctx: HandlerContext) => Promise<'processed' | 'ignored'>

export const handlerKey = (msgType: string, event = '', changeType = '') => `${msgType}:${event}:${changeType}`

/** Exact key first, then the same event with any ChangeType, then the MsgType alone. */
export function findHandler(table: Record<string, CallbackHandler>, msgType: string, event: string, changeType: string): CallbackHandler | undefined {
  return table[handlerKey(msgType, event, changeType)] ?? table[handlerKey(msgType, event, '*')] ?? table[handlerKey(msgType, '*', '*')]
}

export async function processCallbackEvent(deps: Deps, eventId: number, table: Record<string, CallbackHandler> = wecomHandlers): Promise<void> {
  const event = await deps.db.selectFrom('callback_events').selectAll().where('id', '=', eventId).executeTakeFirst()
  if (!event || event.status === 'processed' || event.status === 'ignored') return
  const handler = findHandler(table, event.msg_type, event.event, event.change_type)
  try {
    const outcome = handler ? await handler({ deps, orgId: event.org_id, event, doc: parseCallbackXml(event.plaintext) }) : 'ignored'
    await deps.db
      .updateTable('callback_events')
      .set({ status: outcome, processed_at: deps.clock.now(), error: null })
      .where('id', '=', eventId)
      .execute()
  } catch (err) {
    // Recorded on the event for the admin; the queue retries with backoff and finally marks the job dead.
    await deps.db
      .updateTable('callback_events')
      .set({ status: 'failed', error: String((err as Error).message ?? err).slice(0, 2000) })
      .where('id', '=', eventId)
      .execute()
    throw err
  }
}

export function registerCallbackWorker(deps: Deps, table: Record<string, CallbackHandler> = wecomHandlers): void {
  deps.queue.register<{ eventId: number }>(CALLBACK_JOB, (job) => processCallbackEvent(deps, job.payload.eventId, table))
}
