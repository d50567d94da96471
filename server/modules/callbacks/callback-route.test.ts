// The callback route's gate: URL verification (official vector), and every kind of bad request refused with 4xx storing nothing.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../../app'
import { ManualClock } from '../../lib/clock'
import { encryptMessage, msgSignature } from '../../platform/crypto'
import { buildXml } from '../../platform/xml'
import { createOrgWithUser, createTestDeps } from '../../testing/deps'
import { createTestDb, countRows } from '../../testing/test-db'
import { createWecomEnv, type WecomEnv } from '../../testing/wecom-env'
import { saveConfig } from '../wecom-config/wecom-config.service'
import { findConfigByOrg } from '../wecom-config/wecom-config.repository'
import { createWecomCallbackRouter } from './callback.route'
import { captureCallback, createChannel, post, sealCallback } from './callbacks.test-fixtures'

interface VerifyVector {
  kind: string
  token: string
  encoding_aes_key: string
  receiveid: string
  timestamp: string
  nonce: string
  echostr: string
  expected_msg_signature: string
  expected_plaintext: string
}

describe('URL verification', () => {
  const vectors = JSON.parse(readFileSync(join(process.cwd(), '../shared/vectors/crypto-vectors.json'), 'utf8')).vectors as VerifyVector[]
  const v = vectors.find((x) => x.kind === 'wecom_verify_url')!

  it("answers the official sample's echostr with the bare plaintext", async () => {
    const handle = await createTestDb()
    try {
      const deps = createTestDeps(handle, { clock: new ManualClock(Number(v.timestamp) * 1000 + 30_000) })
      const { orgId } = await createOrgWithUser(deps)
      await saveConfig(deps, orgId, {
        corpId: v.receiveid,
        agentId: '',
        contactSecret: 'unused-secret',
        callbackToken: v.token,
        encodingAesKey: v.encoding_aes_key,
      })
      const key = (await findConfigByOrg(deps.db, orgId))!.callback_key
      const app = createApp({ deps, rawRoutes: [createWecomCallbackRouter(deps)] })
      const query = { msg_signature: v.expected_msg_signature, timestamp: v.timestamp, nonce: v.nonce, echostr: v.echostr }

      const ok = await request(app).get(`/api/wework/callback/${key}`).query(query)
      expect(ok.status).toBe(200)
      expect(ok.text).toBe(v.expected_plaintext)

      const forged = await request(app)
        .get(`/api/wework/callback/${key}`)
        .query({ ...query, msg_signature: v.expected_msg_signature.replace(/^./, (c) => (c === '0' ? '1' : '0')) })
      expect(forged.status).toBe(403)
      expect(forged.text).not.toContain(v.expected_plaintext)
      const unknown = await request(app).get('/api/wework/callback/no-such-key').query(query)
      expect(unknown.status).toBe(404)
    } finally {
      await handle.close()
    }
  })

  it('the Express route (apps without the fast path) answers POSTs as the fast path does', async () => {
    const handle = await createTestDb()
    try {
      const clock = new ManualClock()
      const deps = createTestDeps(handle, { clock })
      const { orgId } = await createOrgWithUser(deps)
      await saveConfig(deps, orgId, {
        corpId: v.receiveid,
        agentId: '',
        contactSecret: 'unused-secret',
        callbackToken: v.token,
        encodingAesKey: v.encoding_aes_key,
      })
      const key = (await findConfigByOrg(deps.db, orgId))!.callback_key
      const app = createApp({ deps, rawRoutes: [createWecomCallbackRouter(deps)] })
      const timestamp = String(Math.floor(clock.now() / 1000))
      const seal = (plaintext: string) => {
        const enc = encryptMessage(v.encoding_aes_key, plaintext, v.receiveid)
        return {
          query: { msg_signature: msgSignature(v.token, timestamp, '42', enc), timestamp, nonce: '42' },
          body: buildXml({ ToUserName: v.receiveid, Encrypt: enc }),
        }
      }
      const good = seal(
        buildXml({
          ToUserName: v.receiveid,
          FromUserName: 'sys',
          CreateTime: Number(timestamp),
          MsgType: 'event',
          Event: 'change_external_chat',
          ChangeType: 'dismiss',
          ChatId: 'wr1',
        }),
      )
      const postTo = (k: string, q: Record<string, string>, body: string) =>
        request(app).post(`/api/wework/callback/${k}`).query(q).set('content-type', 'text/xml').send(body)

      expect((await postTo(key, { ...good.query, msg_signature: '0'.repeat(40) }, good.body)).status).toBe(403)
      expect((await postTo(key, good.query, `<!DOCTYPE x [<!ENTITY e "x">]>${good.body}`)).status).toBe(400)
      expect((await postTo(key, good.query, `<xml><Encrypt>${'A'.repeat(1024 * 1024)}</Encrypt></xml>`)).status).toBe(413)
      expect((await postTo('no-such-key', good.query, good.body)).status).toBe(404)
      const count = async () => countRows(deps.db, 'callback_events')
      expect(await count()).toBe(0)
      const ok = await postTo(key, good.query, good.body)
      expect([ok.status, ok.text]).toEqual([200, 'success'])
      expect((await postTo(key, good.query, good.body)).status).toBe(200)
      expect(await count()).toBe(1)
    } finally {
      await handle.close()
    }
  })
})

describe('refused callbacks', () => {
  let env: WecomEnv
  beforeAll(async () => {
    env = await createWecomEnv()
  })
  afterAll(async () => env?.close())

  const event = (ext = 'wmEXT001') =>
    buildXml({
      ToUserName: env.corpid,
      FromUserName: 'sys',
      CreateTime: Math.floor(Date.now() / 1000),
      MsgType: 'event',
      Event: 'change_external_contact',
      ChangeType: 'del_follow_user',
      UserID: 'zhangli',
      ExternalUserID: ext,
    })

  async function expectRefused(res: Response | Promise<Response>, status: number) {
    const r = await res
    expect(r.status).toBe(status)
    expect(await r.text()).not.toBe('success')
  }

  it('refuses forged, misaddressed, stale, hostile, malformed, oversized and unknown-key callbacks, storing nothing', async () => {
    const good = sealCallback(env, event())
    const url = new URL(good.url)
    const withQuery = (patch: Record<string, string>) => {
      const u = new URL(url)
      for (const [k, val] of Object.entries(patch)) u.searchParams.set(k, val)
      return u.toString()
    }
    const send = (target: string, body: string) => fetch(target, { method: 'POST', body, headers: { 'content-type': 'text/xml' } })

    // Forged signature; a signature made with another token.
    const flipped = good.query.msg_signature.replace(/^./, (c) => (c === 'a' ? 'b' : 'a'))
    await expectRefused(send(withQuery({ msg_signature: flipped }), good.body), 403)
    await expectRefused(post(sealCallback(env, event(), { token: 'NotTheToken1' })), 403)
    // Signature over another timestamp than the one in the query.
    await expectRefused(send(withQuery({ timestamp: String(Number(good.query.timestamp) + 1) }), good.body), 403)
    // Encrypted for another corp (receiveid), correctly signed.
    await expectRefused(post(sealCallback(env, event(), { receiveId: 'wwSomeOtherCorp00' })), 403)
    // Outside the ±5 min window, both ways, correctly signed.
    const nowS = Math.floor(Date.now() / 1000)
    await expectRefused(post(sealCallback(env, event(), { timestampS: nowS - 6 * 60 })), 403)
    await expectRefused(post(sealCallback(env, event(), { timestampS: nowS + 6 * 60 })), 403)
    // Missing query parameters.
    await expectRefused(send(`${url.origin}${url.pathname}`, good.body), 400)
    // DOCTYPE / ENTITY in the envelope, and inside the (correctly encrypted and signed) plaintext.
    await expectRefused(send(good.url, `<!DOCTYPE xml [<!ENTITY e "x">]>${good.body}`), 400)
    await expectRefused(
      post(
        sealCallback(
          env,
          `<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xml><ToUserName>&xxe;</ToUserName><MsgType>event</MsgType></xml>`,
        ),
      ),
      400,
    )
    const laughs = `<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><xml><MsgType>&lol2;</MsgType></xml>`
    await expectRefused(post(sealCallback(env, laughs)), 400)
    // Malformed XML: envelope, plaintext, and a plaintext without MsgType.
    await expectRefused(send(good.url, '<xml><Encrypt><![CDATA[abc]]></Encrypt>'), 400)
    await expectRefused(send(good.url, 'not xml at all'), 400)
    await expectRefused(post(sealCallback(env, '<xml><MsgType>event</MsgType>')), 400)
    await expectRefused(post(sealCallback(env, '<xml><Event>change_external_contact</Event></xml>')), 400)
    // Envelope without Encrypt.
    await expectRefused(send(good.url, '<xml><ToUserName>x</ToUserName></xml>'), 400)
    // Over 1 MB.
    await expectRefused(send(good.url, `<xml><Encrypt>${'A'.repeat(1024 * 1024 + 10)}</Encrypt></xml>`), 413)
    // Unknown callback key.
    await expectRefused(send(good.url.replace(/\/callback\/[^?]+/, '/callback/unknown-key'), good.body), 404)

    expect(await countRows(env.deps.db, 'callback_events')).toBe(0)
    expect(await countRows(env.deps.db, 'queue_jobs')).toBe(0)
    // Each refusal on the org's own URL is counted for 概览 (not the unknown key's, nor the oversize body cut off unread).
    await env.callbacks.orgRefusals.flush()
    const counted = await env.deps.db.selectFrom('callback_refusals').selectAll().where('org_id', '=', env.orgId).execute()
    expect(counted.map((r) => [r.source, Number(r.refused)])).toEqual([['wecom', 15]])
    expect((await env.caller.dashboard.overview({ days: 7 })).callbacks.refused).toBe(15)
    // A later flush adds to the day's row rather than replacing it.
    await expectRefused(send(withQuery({ msg_signature: flipped }), good.body), 403)
    await env.callbacks.orgRefusals.flush()
    expect((await env.caller.dashboard.overview({ days: 7 })).callbacks.refused).toBe(16)

    // The untouched request is accepted, once.
    const accepted = await post(good)
    expect(accepted.status).toBe(200)
    expect(await accepted.text()).toBe('success')
    expect(await countRows(env.deps.db, 'callback_events')).toBe(1)
  })

  it('still serves afterwards: URL verification from the sandbox and a real scan end to end', async () => {
    const verify = await env.sandbox.control.verifyUrl(env.corpid)
    expect(verify).toMatchObject({ ok: true, status: 200 })
    const channel = await createChannel(env)
    const { result, callback } = await captureCallback(env, () => env.sandbox.control.scan(env.corpid, { config_id: channel.configId }))
    const r = await post(callback)
    expect(r.status).toBe(200)
    const customer = await env.waitFor(() =>
      env.deps.db
        .selectFrom('customers')
        .select(['id', 'channel_state'])
        .where('external_userid', '=', result.external_userid)
        .executeTakeFirst(),
    )
    expect(customer.channel_state).toBe(channel.state)
  })
})
