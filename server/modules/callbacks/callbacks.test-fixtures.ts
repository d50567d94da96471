// Test fixtures for the callback suites: a channel (WeCom tag + contact way with welcome), captured callbacks.
import { buildXml } from '../../platform/xml'
import { encryptMessage, msgSignature, randomNonce } from '../../platform/crypto'
import type { WecomEnv } from '../../testing/wecom-env'
import { syncCorpTags } from '../tags/tags.service'

export interface Channel {
  wayId: number
  configId: string
  state: string
  channelName: string
  /** The WeCom corp tag the way puts on customers. */
  tagId: string
  welcomeText: string
}

let seq = 0

/** A WeCom corp tag (mirrored locally) and a contact way carrying it and a welcome message, created through contactWays.create. */
export async function createChannel(
  env: WecomEnv,
  opts: { channelName?: string; welcome?: boolean; userid?: string } = {},
): Promise<Channel> {
  const n = ++seq
  const client = await env.deps.wecom.for(env.orgId)
  const added = await client.tag.add({ group_name: '客户等级', tag: [{ name: `A级意向${n}` }] })
  const tagId = added.tag_group.tag.find((t) => t.name === `A级意向${n}`)!.id
  await syncCorpTags(env.deps, env.orgId)
  const channelName = opts.channelName ?? '小红书'
  const welcomeText = `欢迎来到测试诊所（${channelName}）`
  const way = await env.caller.contactWays.create({
    channelName,
    state: `xhs${n}`,
    type: 1,
    scene: 2,
    userIds: [opts.userid ?? 'zhangli'],
    tagIds: [tagId],
    ...(opts.welcome === false ? {} : { welcome: { text: welcomeText, attachments: [] } }),
  })
  const row = await env.deps.db
    .selectFrom('contact_ways')
    .select(['id', 'config_id', 'state'])
    .where('id', '=', way.id)
    .executeTakeFirstOrThrow()
  return { wayId: row.id, configId: row.config_id!, state: row.state, channelName, tagId, welcomeText }
}

/** An HTTP request exactly as the sandbox sent it (URL with signature query, XML body). */
export interface CapturedCallback {
  url: string
  body: string
}

export function post(cb: CapturedCallback): Promise<Response> {
  return fetch(cb.url, { method: 'POST', body: cb.body, headers: { 'content-type': 'text/xml' } })
}

/**
 * Runs `action` with the corp's callback pointed at a path that answers 404, so our route never sees it, and returns the
 * encrypted POST the sandbox made, addressed to our real callback URL: a test can then deliver it as often as it likes.
 */
export async function captureCallback<T extends { delivery: { url: string; encrypt: string } | null }>(
  env: WecomEnv,
  action: () => Promise<T>,
): Promise<{ result: T; callback: CapturedCallback }> {
  const cb = env.sandbox.control.getCorp(env.corpid).callback!
  env.sandbox.control.setCallback(env.corpid, { ...cb, url: `${env.baseUrl}/no-such-callback` })
  try {
    const result = await action()
    const d = result.delivery!
    const query = new URL(d.url).search
    const agentid = String(env.sandbox.control.getCorp(env.corpid).apps.find((a) => a.kind === 'contact')!.agentid)
    return {
      result,
      callback: { url: `${cb.url}${query}`, body: buildXml({ ToUserName: env.corpid, AgentID: agentid, Encrypt: d.encrypt }) },
    }
  } finally {
    env.sandbox.control.setCallback(env.corpid, cb)
  }
}

/** Encrypts and signs any plaintext for the org's callback URL, as WeCom would (for forged or hand-made events). */
export function sealCallback(
  env: WecomEnv,
  plaintext: string,
  opts: { receiveId?: string; timestampS?: number; token?: string } = {},
): CapturedCallback & { query: { msg_signature: string; timestamp: string; nonce: string } } {
  const cb = env.sandbox.control.getCorp(env.corpid).callback!
  const encrypt = encryptMessage(cb.encodingAesKey, plaintext, opts.receiveId ?? env.corpid)
  const timestamp = String(opts.timestampS ?? Math.floor(env.deps.clock.now() / 1000))
  const nonce = randomNonce()
  const query = { msg_signature: msgSignature(opts.token ?? cb.token, timestamp, nonce, encrypt), timestamp, nonce }
  return {
    url: `${cb.url}?${new URLSearchParams(query)}`,
    body: buildXml({ ToUserName: env.corpid, AgentID: '1000002', Encrypt: encrypt }),
    query,
  }
}

/** Has the sandbox deliver any plaintext (events it has no control action for) exactly as it delivers its own. */
export async function deliver(env: WecomEnv, plaintext: string, kind = 'test') {
  const corp = env.sandbox.state.corps.get(env.corpid)!
  const sent = env.sandbox.context.callbacks.deliver(corp, plaintext, kind, corp.contactApp()?.agentid)
  if (!sent) throw new Error('the sandbox corp has no callback configured')
  return sent.done
}
