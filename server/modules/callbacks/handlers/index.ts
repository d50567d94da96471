// The WeCom dispatch table: one entry per (MsgType, Event, ChangeType), one file per handler.
import type { CallbackHandler } from '../dispatch'

export const wecomHandlers: Record<string, CallbackHandler> = {}
