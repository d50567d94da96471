// The Official Account callback endpoint /api/wechat/callback/<key>: the account's credentials, the OA envelope (plain, compatible, safe), then the shared endpoint.
import type { Deps } from '../../deps'
import type { Metrics } from '../../http/metrics'
import { oaEcho, openOaMessage } from '../../platform/oa/callback'
import { oaPassiveTextReply } from '../../platform/oa/passive-reply'
import { field, type XmlObject } from '../../platform/xml'
import type { CallbackQuery } from '../../platform/callback-envelope'
import type { CredentialCache } from '../../lib/credential-cache'
import { orgsBindingOpenid } from '../employees/employees.repository'
import { orgH5Entry } from '../orgs/org-h5-entry'
import { oaCallbackCredentials, type OaCallbackCredentials } from '../oa-config/oa-callback-credentials'
import { orgsUsingPlatformAccount } from '../oa-config/oa-config.repository'
import { CallbackEndpoint } from './callback-endpoint'

export const OA_CALLBACK_PREFIX = '/api/wechat/callback'

/** subscribe carries `qrscene_<scene>`, SCAN the bare scene; an org's follow QR has scene `org_<id>`. */
export function orgOfScene(eventKey: string): number | null {
  const m = /^(?:qrscene_)?org_(\d{1,10})$/.exec(eventKey)
  return m ? Number(m[1]) : null
}

export class OaCallbackReceiver extends CallbackEndpoint<OaCallbackCredentials> {
  readonly creds: CredentialCache<OaCallbackCredentials>

  constructor(deps: Deps, metrics?: Metrics) {
    const creds = oaCallbackCredentials(deps.db, deps.secrets, () => deps.clock.now())
    super(
      deps,
      {
        source: 'oa',
        prefix: OA_CALLBACK_PREFIX,
        credentials: creds,
        open: (c, query, body, now) => ({ orgId: c.orgId, ...openOaMessage(c, query, body, now) }),
        echo: (c, query, now) => oaEcho(c, query, now),
        attribute: (doc) => attributePlatformEvent(deps, doc),
        reply: (c, doc, query, orgIds) => bindingHintReply(deps, c, doc, query, orgIds),
      },
      metrics,
    )
    this.creds = creds
  }
}

/** The platform account's event: the org whose follow QR was scanned, else every org (on the platform account) binding the fan. */
async function attributePlatformEvent(deps: Deps, doc: XmlObject): Promise<number[]> {
  const scene = orgOfScene(field(doc, 'EventKey'))
  const candidates = scene !== null ? [scene] : await orgsBindingOpenid(deps.db, field(doc, 'FromUserName'))
  return orgsUsingPlatformAccount(deps.db, candidates)
}

/** A fan writing to the account gets the way to the binding page (encrypted like the message came). */
async function bindingHintReply(
  deps: Deps,
  c: OaCallbackCredentials,
  doc: XmlObject,
  query: CallbackQuery,
  orgIds: readonly number[],
): Promise<string | undefined> {
  if (field(doc, 'MsgType') !== 'text') return undefined
  const entry = orgIds.length === 1 ? await orgH5Entry(deps, orgIds[0]!).catch(() => null) : null
  const content = entry
    ? `您好！员工绑定手机号后即可在微信接收消息提醒。<a href="${entry.url}">点此绑定手机号</a>`
    : '您好！如需绑定手机号接收消息提醒，请扫描所在机构提供的绑定二维码。'
  const encrypted = c.mode === 'safe' || (c.mode === 'compatible' && (query.encrypt_type === 'aes' || !!query.msg_signature))
  return oaPassiveTextReply(
    c,
    { toUser: field(doc, 'FromUserName'), fromUser: field(doc, 'ToUserName'), content },
    encrypted,
    deps.clock.now(),
  )
}
