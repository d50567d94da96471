// Callback processing: the worker loads a stored event and dispatches on (MsgType, Event, ChangeType); a disabled org's events wait, held.
import type { Deps } from '../../deps'
import { parseCallbackXml } from '../../platform/flat-xml'
import { CALLBACK_JOB, OA_CALLBACK_JOB } from './callback-store'
import { findEventToProcess, holdEventWhileOrgDisabled, setEventFailed, setEventOutcome } from './callbacks.repository'
import { findHandler, type HandlerTable } from './handlers/handler'
import { wecomHandlers } from './handlers/index'
import { oaHandlers } from './handlers/oa/index'
import { PermanentJobError } from '../../queue/queue'
import { processWelcomeJob, WELCOME_JOB, type WelcomeJobPayload } from './welcome-job'

export async function processCallbackEvent(deps: Deps, eventId: number, table: HandlerTable = wecomHandlers): Promise<void> {
  const found = await findEventToProcess(deps.db, eventId)
  if (!found) return
  const { event, orgActive } = found
  if (event.status === 'processed' || event.status === 'ignored' || event.status === 'held') return
  // Disabled after the event was stored: it waits for the org to be enabled again, which queues it anew.
  if (!orgActive && (await holdEventWhileOrgDisabled(deps.db, eventId))) {
    deps.log.info({ orgId: event.org_id, eventId }, 'callback held: org disabled')
    return
  }
  // An OA event reaching the default (WeCom) table by any path is still dispatched on OA's.
  const handlers = event.source === 'oa' && table === wecomHandlers ? oaHandlers : table
  const handler = findHandler(handlers, event.msg_type, event.event, event.change_type)
  try {
    const outcome = handler ? await handler({ deps, orgId: event.org_id, event, doc: parseCallbackXml(event.plaintext) }) : 'ignored'
    await setEventOutcome(deps.db, eventId, outcome, deps.clock.now())
  } catch (err) {
    // Recorded on the event for the admin; the queue retries with backoff and finally marks the job dead.
    await setEventFailed(deps.db, eventId, String((err as Error).message ?? err))
    throw err
  }
}

export function registerCallbackWorker(deps: Deps, table: HandlerTable = wecomHandlers): void {
  deps.queue.register<{ eventId: number }>(CALLBACK_JOB, (job) => processCallbackEvent(deps, job.payload.eventId, table))
  // Official Account events: the same stored rows and outcomes, their own table.
  deps.queue.register<{ eventId: number }>(OA_CALLBACK_JOB, (job) => processCallbackEvent(deps, job.payload.eventId, oaHandlers))
  // An add event's welcome: its own job in the queue's fast lane (the code lives 20 s).
  deps.queue.register<WelcomeJobPayload>(
    WELCOME_JOB,
    async (job) => {
      if (job.orgId === null) throw new PermanentJobError('welcome job without an org')
      await processWelcomeJob(deps, job.orgId, job.payload)
    },
    { lane: 'fast' },
  )
}
