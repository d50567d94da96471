// What a callback handler is and how the dispatch table is keyed: its own module, so the table and the dispatcher both import it and not each other.
import type { Deps } from '../../../deps'
import type { XmlObject } from '../../../platform/xml'
import type { CallbackEventRow } from '../callbacks.table'

export interface HandlerContext {
  deps: Deps
  orgId: number
  event: CallbackEventRow
  /** The decrypted message, all values strings. */
  doc: XmlObject
}

/** 'ignored' when the event needs nothing from us (recorded as such, never an error). */
export type CallbackHandler = (ctx: HandlerContext) => Promise<'processed' | 'ignored'>

/** `${MsgType}:${Event}:${ChangeType}`; '*' in the last two places matches any value. */
export type HandlerKey = `${string}:${string}:${string}`

export type HandlerTable = Readonly<Record<HandlerKey, CallbackHandler>>

export const keyOf = (msgType: string, event = '', changeType = ''): HandlerKey => `${msgType}:${event}:${changeType}`

/** Exact key first, then the same event with any ChangeType, then the MsgType alone. */
export function findHandler(table: HandlerTable, msgType: string, event: string, changeType: string): CallbackHandler | undefined {
  return table[keyOf(msgType, event, changeType)] ?? table[keyOf(msgType, event, '*')] ?? table[keyOf(msgType, '*', '*')]
}
