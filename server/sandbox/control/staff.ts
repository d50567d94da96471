// What members do outside the customer APIs: write to an app (text callback) and sign in through OAuth.
import type { z } from 'zod'
import { textMessageXml } from '../callbacks'
import type { SandboxContext } from '../context'
import { requireCorp } from '../corps'
import { ControlError } from '../errors'
import { issueOAuthCode, OAUTH_CODE_TTL_MS } from '../wecom/auth'
import { parseInput, sendCallback } from './common'
import { inboundMessageInput, oauthCodeInput } from './schemas'

export function staffControl(ctx: SandboxContext) {
  return {
    /** A member writes to an app; the text message goes to the callback URL. */
    async inboundMessage(corpid: string, input: z.input<typeof inboundMessageInput>) {
      const req = parseInput(inboundMessageInput, input)
      const corp = requireCorp(ctx, corpid)
      if (!corp.members.has(req.userid)) throw new ControlError(404, `no member ${req.userid}`)
      const agentid = req.agentid ?? corp.agentApp()?.agentid
      if (agentid === undefined || !corp.app(agentid)) throw new ControlError(400, `no app ${agentid}`)
      const now = ctx.clock.now()
      // 15 digits: unique per corp and exact as a JSON/XML number (< 2^53).
      const msgId = Number(`${Math.floor(now / 1000)}${String(corp.nextSeq() % 100_000).padStart(5, '0')}`)
      const xml = textMessageXml(corp.corpid, now, req.userid, req.content, msgId, agentid)
      return { msgid: msgId, delivery: await sendCallback(ctx, corp, xml, 'text', agentid, req.wait) }
    },

    /** What the OAuth authorize page hands the browser: a single-use code valid 5 minutes. */
    issueOAuthCode(corpid: string, input: z.input<typeof oauthCodeInput>) {
      const req = parseInput(oauthCodeInput, input)
      const corp = requireCorp(ctx, corpid)
      if ('userid' in req && !corp.members.has(req.userid)) throw new ControlError(404, `no member ${req.userid}`)
      if ('external_userid' in req && req.external_userid && !corp.customers.has(req.external_userid))
        throw new ControlError(404, `no customer ${req.external_userid}`)
      const code = issueOAuthCode(ctx, corp, req, ctx.clock.now())
      return { code: code.code, expires_in: OAUTH_CODE_TTL_MS / 1000 }
    },
  }
}
