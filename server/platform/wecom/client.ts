// The WeCom client: one object per (org, app secret) whose groups read like the docs (client.tag.list, …).
import { RateLimiter, WECOM_DEFAULT_LIMIT, type RateLimiterOptions } from '../rate-limiter'
import { authApi, jsapiApi } from './auth'
import { createWecomCore, type WecomCallOptions } from './call'
import { contactWayApi } from './contact-way'
import { externalContactApi } from './external-contact'
import { groupMsgApi } from './group-msg'
import { mediaApi } from './media'
import { messageApi } from './message'
import { WecomPaths } from './paths'
import { tagApi } from './tag'
import { userApi } from './user'
import { welcomeApi } from './welcome'

export type WecomClientOptions = WecomCallOptions

export function createWecomClient(opts: WecomClientOptions) {
  const core = createWecomCore(opts)
  return {
    getToken: core.getToken,
    gettoken: core.gettoken,
    contactWay: contactWayApi(core.call),
    externalContact: externalContactApi(core.call),
    tag: tagApi(core.call),
    welcome: welcomeApi(core.call),
    groupMsg: groupMsgApi(core.call),
    message: messageApi(core.call),
    user: userApi(core.call),
    media: mediaApi(core.call),
    auth: authApi(core.call),
    jsapi: jsapiApi(core.call),
  }
}

export type WecomClient = ReturnType<typeof createWecomClient>

/**
 * A limiter with WeCom's published budgets: 10 000/min and 150 000/h per corp per api, and the tighter
 * jsapi-ticket caps (400/h per corp; 100/h per app, applied per corp here to stay on the safe side).
 * Share one instance among all clients of a process so the budget is per corp, not per client.
 */
export function createWecomRateLimiter(opts: Omit<RateLimiterOptions, 'limit' | 'overrides'> = {}): RateLimiter {
  return new RateLimiter({
    ...opts,
    limit: WECOM_DEFAULT_LIMIT,
    overrides: {
      [WecomPaths.Jsapi.getCorpTicket]: { perMinute: 400, perHour: 400 },
      [WecomPaths.Jsapi.getAgentTicket]: { perMinute: 100, perHour: 100 },
    },
  })
}
