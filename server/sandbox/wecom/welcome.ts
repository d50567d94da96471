// Welcome messages: codes issued on add events, valid 20 s and usable once; send_welcome_msg consumes them.
import type { SandboxContext } from '../context'
import { WecomError, invalidParam } from '../errors'
import type { CorpState, WelcomeCode } from '../state'
import { validateAttachments, validateText } from './common'
import type { Endpoint } from './endpoint'
import { reqString } from './params'

export const WELCOME_CODE_TTL_MS = 20_000

export function issueWelcomeCode(ctx: SandboxContext, corp: CorpState, userid: string, externalUserid: string, now: number): WelcomeCode {
  // Spent and stale codes only matter for the 41051 answer; keep the map from growing without bound.
  if (corp.welcomeCodes.size > 50_000) {
    for (const [k, c] of corp.welcomeCodes) if (now - c.issued_at > 3600_000) corp.welcomeCodes.delete(k)
  }
  const code: WelcomeCode = { code: ctx.state.ids.next('', 43), userid, external_userid: externalUserid, issued_at: now, used_at: 0 }
  corp.welcomeCodes.set(code.code, code)
  return code
}

export const welcomeEndpoints: Endpoint[] = [
  {
    name: 'externalcontact/send_welcome_msg',
    method: 'POST',
    scope: 'contact',
    mutates: true,
    handle({ ctx, corp, body, now }) {
      const welcomeCode = reqString(body, 'welcome_code')
      const text = validateText(body.text)
      const attachments = validateAttachments(corp, body.attachments, now)
      if (!text && attachments.length === 0) throw invalidParam('text and attachments cannot both be empty')
      const code = corp.welcomeCodes.get(welcomeCode)
      // The platform answers 41051 for a code that is spent, stale or not its own; the detail is ours.
      if (!code) throw new WecomError(41051, 'unknown welcome_code')
      if (code.used_at) throw new WecomError(41051, 'welcome_code already used')
      if (now - code.issued_at > WELCOME_CODE_TTL_MS) throw new WecomError(41051, 'welcome_code expired')
      code.used_at = now
      ctx.state.logs.welcome.push({
        at: now,
        corpid: corp.corpid,
        welcome_code: welcomeCode,
        userid: code.userid,
        external_userid: code.external_userid,
        text,
        attachments,
      })
      return {}
    },
  },
]
