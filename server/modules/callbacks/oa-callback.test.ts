// /api/wechat/callback/<key> end to end: GET verification, POSTs in plain, compatible and safe mode (the sandbox's encrypted follow events), de-dup, refusals.
import request from 'supertest'
import { afterEach, describe, expect, it } from 'vitest'
import { buildXml, parseXml } from '../../platform/xml'
import { decryptMessage, encryptMessage, msgSignature, plainSignature } from '../../platform/crypto'
import { createOrgWithUser } from '../../testing/deps'
import { callerFor } from '../../testing/tenant'
import { createWecomEnv, type WecomEnv } from '../../testing/wecom-env'
import { saveOaConfig } from '../oa-config/oa-config.service'
import { OA_CALLBACK_JOB } from './callback-store'

let env: WecomEnv | undefined
afterEach(async () => {
  await env?.close()
  env = undefined
})

const AES = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG'
const TOKEN = 'tok123'

async function setup(mode: 'plain' | 'compatible' | 'safe') {
  env = await createWecomEnv()
  const account = env.sandbox.control.createOaAccount({ name: '测试公众号', oauth_domain: 'h5.clinic.test' })
  const view = await saveOaConfig(env.deps, env.orgId, {
    name: '测试公众号',
    appId: account.appid,
    appSecret: account.secret,
    token: TOKEN,
    encodingAesKey: AES,
    messageMode: mode,
  })
  const url = view.callbackUrl!
  return { env, account, url, path: new URL(url).pathname }
}

const events = (e: WecomEnv) =>
  e.deps.db.selectFrom('callback_events').selectAll().where('org_id', '=', e.orgId).where('source', '=', 'oa').orderBy('id').execute()

const now = () => Math.floor(Date.now() / 1000)

function textXml(openid: string, msgId: string, content = '你好') {
  return buildXml({ ToUserName: 'gh_test', FromUserName: openid, CreateTime: now(), MsgType: 'text', Content: content, MsgId: msgId })
}

function plainQuery(nonce = String(Math.random()).slice(2)) {
  const timestamp = String(now())
  return { signature: plainSignature(TOKEN, timestamp, nonce), timestamp, nonce }
}

function encrypted(appId: string, plaintext: string, nonce = String(Math.random()).slice(2)) {
  const encrypt = encryptMessage(AES, plaintext, appId)
  const q = plainQuery(nonce)
  return { query: { ...q, encrypt_type: 'aes', msg_signature: msgSignature(TOKEN, q.timestamp, nonce, encrypt) }, encrypt }
}

describe('OA callback', () => {
  it('GET verification answers echostr for the plain signature, bare; refuses a bad one', async () => {
    const { env, path } = await setup('safe')
    const q = plainQuery()
    const ok = await request(env.baseUrl)
      .get(path)
      .query({ ...q, echostr: '4375120948345356249' })
    expect(ok.status).toBe(200)
    expect(ok.text).toBe('4375120948345356249')
    const bad = await request(env.baseUrl)
      .get(path)
      .query({ ...q, signature: '0'.repeat(40), echostr: 'x' })
    expect(bad.status).toBe(403)
    expect(
      (
        await request(env.baseUrl)
          .get('/api/wechat/callback/nosuchkey12345')
          .query({ ...q, echostr: 'x' })
      ).status,
    ).toBe(404)
  })

  it('safe mode: the sandbox’s encrypted subscribe and unsubscribe events are stored once, processed by the OA table', async () => {
    const { env, account, url } = await setup('safe')
    env.sandbox.control.setOaCallback(account.appid, { url, token: TOKEN, encodingAesKey: AES })
    const fan = env.sandbox.control.addOaFan(account.appid, { nickname: '粉丝' })
    const followed = await env.sandbox.control.followOa(account.appid, fan.openid, { wait: true })
    expect(followed.delivery?.status).toBe('delivered')
    const [subscribed] = await env.waitFor(async () => {
      const r = await events(env)
      // Not an employee: nothing to mark, so the subscribe is recorded as needing nothing.
      return r.length === 1 && r[0]!.status === 'ignored' && r
    })
    expect([subscribed!.msg_type, subscribed!.event, subscribed!.external_userid]).toEqual(['event', 'subscribe', fan.openid])
    const subscribePlaintext = subscribed!.plaintext
    await env.sandbox.control.unfollowOa(account.appid, fan.openid, { wait: true })
    const rows = await env.waitFor(async () => {
      const r = await events(env)
      return r.length === 2 && r[1]!.status === 'processed' && r
    })
    // Unfollowing deletes what the fan's events said and who sent them; the de-dup keys stay.
    expect(rows.map((r) => [r.msg_type, r.event, r.external_userid, r.plaintext])).toEqual([
      ['event', 'subscribe', null, ''],
      ['event', 'unsubscribe', null, ''],
    ])
    const jobs = await env.deps.db.selectFrom('queue_jobs').select(['kind']).where('kind', '=', OA_CALLBACK_JOB).execute()
    expect(jobs.length).toBe(2)

    // The platform's retry of the same event (new nonce, same FromUserName + CreateTime + Event) is acked and not stored again.
    const { query, encrypt } = encrypted(account.appid, subscribePlaintext)
    const body = buildXml({ ToUserName: 'gh_test', Encrypt: encrypt })
    const again = await request(env.baseUrl).post(new URL(url).pathname).query(query).type('text/xml').send(body)
    expect(again.status).toBe(200)
    expect(again.text).toBe('success')
    expect((await events(env)).length).toBe(2)

    // A plain body on a safe-mode account is refused.
    const plain = await request(env.baseUrl).post(new URL(url).pathname).query(plainQuery()).type('text/xml').send(textXml('o1', '1'))
    expect(plain.status).toBe(400)
  })

  it('plain mode: a text message is stored by MsgId (a retry is one row) and answered with the binding link; a bad signature stores nothing', async () => {
    const { env, path } = await setup('plain')
    const body = textXml('openid-plain', '6054768590064713728')
    for (let i = 0; i < 2; i++) {
      const r = await request(env.baseUrl).post(path).query(plainQuery()).type('text/xml').send(body)
      expect(r.status).toBe(200)
      const reply = parseXml(r.text)
      expect(reply).toMatchObject({ ToUserName: 'openid-plain', FromUserName: 'gh_test', MsgType: 'text' })
      expect(reply.Content).toContain('/h5/?org=')
    }
    const bad = await request(env.baseUrl)
      .post(path)
      .query({ ...plainQuery(), signature: 'f'.repeat(40) })
      .type('text/xml')
      .send(textXml('x', '2'))
    expect(bad.status).toBe(403)
    const rows = await env.waitFor(async () => {
      const r = await events(env)
      return r.length === 1 && r[0].status === 'processed' && r
    })
    expect(rows[0]).toMatchObject({ msg_type: 'text', external_userid: 'openid-plain', plaintext: body })
  })

  it('compatible mode: the encrypted copy is stored (clear fields beside it ignored); a plain POST without Encrypt also passes', async () => {
    const { env, account, path } = await setup('compatible')
    const inner = textXml('openid-compat', '111')
    const { query, encrypt } = encrypted(account.appid, inner)
    const outer = buildXml({
      ToUserName: 'gh_test',
      FromUserName: 'openid-compat',
      CreateTime: now(),
      MsgType: 'text',
      Content: '明文副本',
      MsgId: '111',
      Encrypt: encrypt,
    })
    const r = await request(env.baseUrl).post(path).query(query).type('text/xml').send(outer)
    expect(r.status).toBe(200)
    // The passive reply to an encrypted message is encrypted and signed the same way.
    const sealed = parseXml(r.text)
    expect(sealed.MsgSignature).toBe(msgSignature(TOKEN, String(sealed.TimeStamp), String(sealed.Nonce), String(sealed.Encrypt)))
    const opened = parseXml(decryptMessage(AES, String(sealed.Encrypt), account.appid).message)
    expect(opened).toMatchObject({ ToUserName: 'openid-compat', MsgType: 'text' })
    expect(opened.Content).toContain('点此绑定手机号')
    const plain = await request(env.baseUrl).post(path).query(plainQuery()).type('text/xml').send(textXml('openid-compat', '222'))
    expect(plain.status).toBe(200)
    expect(parseXml(plain.text).Encrypt).toBeUndefined()
    const rows = await env.waitFor(async () => {
      const x = await events(env)
      return x.length === 2 && x.every((e) => e.status === 'processed') && x
    })
    expect(rows[0].plaintext).toBe(inner)
    // Encrypted with another AppID: refused.
    const other = encrypted('wx0000000000000000', textXml('o', '333'))
    const wrong = await request(env.baseUrl)
      .post(path)
      .query(other.query)
      .type('text/xml')
      .send(buildXml({ ToUserName: 'gh_test', Encrypt: other.encrypt }))
    expect(wrong.status).toBe(403)
  })

  it('the same limits as WeCom: 413 over 64 KB, junk keys 404 without a lookup', async () => {
    const { env, path } = await setup('plain')
    const big = await request(env.baseUrl)
      .post(path)
      .query(plainQuery())
      .type('text/xml')
      .send('<xml>' + 'a'.repeat(70 * 1024) + '</xml>')
    expect(big.status).toBe(413)
    const junk = await request(env.baseUrl).post('/api/wechat/callback/..%2f..%2fetc').query(plainQuery()).type('text/xml').send('<xml/>')
    expect(junk.status).toBe(404)
    expect((await events(env)).length).toBe(0)
  })

  it('a disabled org’s OA events are held, then released as oa.callback jobs and processed once it is enabled', async () => {
    const { env, path } = await setup('plain')
    const sa = callerFor(env.deps, (await createOrgWithUser(env.deps, 'super_admin')).user)
    await sa.orgs.update({ id: env.orgId, status: 'disabled' })
    const r = await request(env.baseUrl).post(path).query(plainQuery()).type('text/xml').send(textXml('openid-held', '901'))
    expect(r.status).toBe(200)
    expect((await events(env)).map((e) => e.status)).toEqual(['held'])
    await sa.orgs.update({ id: env.orgId, status: 'active' })
    const kinds = await env.deps.db.selectFrom('queue_jobs').select('kind').where('org_id', '=', env.orgId).execute()
    expect(kinds.map((k) => k.kind)).toContain(OA_CALLBACK_JOB)
    await env.waitFor(async () => (await events(env)).every((e) => e.status === 'processed'))
  })
})

describe('OA callback on the platform account (shared by orgs without their own)', () => {
  it('attributes an event by the follow QR scene or by the fan binding, and stores nothing for a stranger', async () => {
    env = await createWecomEnv()
    const account = env.sandbox.control.createOaAccount({ name: '平台服务号', oauth_domain: 'h5.clinic.test' })
    const view = await saveOaConfig(env.deps, null, {
      name: '平台服务号',
      appId: account.appid,
      appSecret: account.secret,
      token: TOKEN,
      encodingAesKey: AES,
      messageMode: 'plain',
    })
    const path = new URL(view.callbackUrl!).pathname
    const { orgId: otherOrg } = await createOrgWithUser(env.deps, 'org_admin')
    const t = env.deps.clock.now()
    await env.deps.db
      .insertInto('employees')
      .values({
        org_id: otherOrg,
        name: '乙',
        mobile: '13800000009',
        openid: 'o-bound-in-other',
        receives_system_notices: 0,
        follows_oa: 1,
        created_at: t,
        updated_at: t,
      })
      .execute()
    const event = (openid: string, ev: string, extra: Record<string, string> = {}) =>
      buildXml({ ToUserName: 'gh_platform', FromUserName: openid, CreateTime: now(), MsgType: 'event', Event: ev, ...extra })
    const post = (xml: string) => request(env!.baseUrl).post(path).query(plainQuery()).type('text/xml').send(xml)

    expect((await post(event('o-scanner', 'subscribe', { EventKey: `qrscene_org_${env.orgId}`, Ticket: 't' }))).text).toBe('success')
    expect((await post(event('o-bound-in-other', 'unsubscribe'))).text).toBe('success')
    expect((await post(event('o-stranger', 'unsubscribe'))).text).toBe('success')
    const rows = await env.waitFor(async () => {
      const r = await env!.deps.db
        .selectFrom('callback_events')
        .select(['org_id', 'event', 'status'])
        .where('source', '=', 'oa')
        .orderBy('id')
        .execute()
      return r.length === 2 && r.every((x) => x.status !== 'pending') && r
    })
    expect(rows.map((r) => [r.org_id, r.event])).toEqual([
      [env.orgId, 'subscribe'],
      [otherOrg, 'unsubscribe'],
    ])
    // The unfollow reached the org that bound the fan.
    await env.waitFor(async () => {
      const e = await env!.deps.db.selectFrom('employees').select('openid').where('org_id', '=', otherOrg).executeTakeFirstOrThrow()
      return e.openid === null
    })
  })
})
