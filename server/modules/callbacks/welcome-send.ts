// The contact way's welcome message, sent with the event's welcome_code at most once per event, outcome recorded.
import type { Deps } from '../../deps'
import { fromJson } from '../../db/dialect'
import { PlatformError } from '../../platform/errors'
import type { WecomClient } from '../../platform/wecom/client'
import type { Attachment } from '../../platform/wecom/types'
import type { WelcomeMessage } from '../../../shared/schemas/contact-way'
import type { ContactWayRow } from '../contact-ways/contact-ways.table'
import type { CallbackEventRow, WelcomeStatus } from './callbacks.table'
import { claimWelcomeSend, finishWelcomeSend } from './callbacks.repository'
import { resolveWelcome } from '../welcome-templates/welcome-templates.service'

/** A welcome_code lives this long after the add event (send_welcome_msg, doc 92137). */
export const WELCOME_CODE_TTL_MS = 20_000
const CODE_SPENT = 41051

export interface WelcomeInput {
  orgId: number
  /** The add event: its id keys the welcome row, its time dates the code. */
  event: Pick<CallbackEventRow, 'id' | 'create_time'>
  userid: string
  externalUserid: string
  way: ContactWayRow | undefined
  welcomeCode: string
}

function welcomeOf(way: ContactWayRow | undefined): WelcomeMessage | null {
  const w = fromJson<Partial<WelcomeMessage> | null>(way?.welcome, null)
  if (!w) return null
  const text = typeof w.text === 'string' && w.text.trim() !== '' ? w.text : undefined
  const attachments = Array.isArray(w.attachments) ? w.attachments : []
  return text || attachments.length > 0 ? { text, attachments } : null
}

/**
 * The row is written before the call: if it exists already, an earlier run of this event owns the code (it may
 * have reached WeCom before a crash), so nothing is sent. Returns the status recorded by this run, or null.
 */
export async function sendWelcomeOnce(
  deps: Deps,
  client: Pick<WecomClient, 'welcome'>,
  input: WelcomeInput,
): Promise<WelcomeStatus | null> {
  // The way's template, its own text, or the org default: one lookup.
  const message = await resolveWelcome(deps, input.orgId, input.way?.id ?? null, welcomeOf(input.way))
  if (!message) return null
  const claim = {
    orgId: input.orgId,
    callbackEventId: input.event.id,
    externalUserid: input.externalUserid,
    userid: input.userid,
    contactWayId: input.way?.id ?? null,
    now: deps.clock.now(),
  }
  // WeCom issues no code when the console has its own welcome or the two already chatted: recorded so the admin sees why.
  if (!input.welcomeCode) return (await claimWelcomeSend(deps.db, claim, 'skipped', 'event carried no WelcomeCode')) ? 'skipped' : null
  if (!(await claimWelcomeSend(deps.db, claim))) return null

  let status: WelcomeStatus = 'sent'
  let errcode: number | null = null
  let error: string | null = null
  try {
    await client.welcome.send({
      welcome_code: input.welcomeCode,
      ...(message.text ? { text: { content: message.text } } : {}),
      ...(message.attachments.length > 0 ? { attachments: message.attachments as Attachment[] } : {}),
    })
  } catch (err) {
    // Nothing here is retried: the code is single-use, and a second try after an unclear failure could send twice.
    const age = deps.clock.now() - Number(input.event.create_time)
    if (err instanceof PlatformError) {
      errcode = err.errcode
      status = err.errcode === CODE_SPENT ? (age > WELCOME_CODE_TTL_MS ? 'expired' : 'already_used') : 'failed'
      error = `${err.errcode} ${err.errmsg || err.hint}`
    } else {
      status = 'failed'
      error = (err as Error).message
    }
    deps.log.warn({ orgId: input.orgId, eventId: input.event.id, status, errcode, ageMs: age }, 'welcome message not sent')
  }
  const now = deps.clock.now()
  await finishWelcomeSend(deps.db, input.event.id, { status, errcode, error, latencyMs: now - Number(input.event.create_time), now })
  return status
}
