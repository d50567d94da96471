// The Official Account client: one object per (org, appid) whose groups read like the docs (client.template.send, …).
import { systemClock } from '../../lib/clock'
import { createOaCore, type OaCallOptions } from './call'
import { jsapiApi } from './jsapi'
import { menuApi } from './menu'
import { oauthApi } from './oauth'
import { qrcodeApi } from './qrcode'
import { templateApi } from './template'
import { userApi } from './user'

export type OaClientOptions = OaCallOptions

export function createOaClient(opts: OaClientOptions) {
  const core = createOaCore(opts)
  return {
    getToken: core.getToken,
    stableToken: core.stableToken,
    template: templateApi(core.call),
    user: userApi(core.call),
    jsapi: jsapiApi(core.call, opts.clock ?? systemClock),
    oauth: oauthApi(core.call, opts.appId, opts.secret),
    qrcode: qrcodeApi(core.call),
    menu: menuApi(core.call),
  }
}

export type OaClient = ReturnType<typeof createOaClient>
