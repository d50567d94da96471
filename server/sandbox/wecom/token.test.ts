// Token lifecycle: gettoken errors, reuse while valid, expiry (42001), invalidation (40014), app scope (48002).
import request from 'supertest'
import { afterEach, describe, expect, it } from 'vitest'
import { type TestSandbox, setupSandbox } from '../testing'

let t: TestSandbox
afterEach(async () => t?.sandbox.close())

async function gettoken(query: Record<string, string>) {
  return (await request(t.app).get('/sandbox/wecom/cgi-bin/gettoken').query(query)).body
}

describe('gettoken', () => {
  it('answers the documented errcodes for missing and wrong credentials', async () => {
    t = setupSandbox()
    const other = t.control.createCorp({ name: '别的诊所' })
    expect((await gettoken({ corpsecret: 'x' })).errcode).toBe(41002)
    expect((await gettoken({ corpid: t.corp.corpid })).errcode).toBe(41004)
    expect((await gettoken({ corpid: 'wwnope', corpsecret: 'x' })).errcode).toBe(40013)
    const bad = await gettoken({ corpid: t.corp.corpid, corpsecret: 'not-the-secret' })
    expect(bad.errcode).toBe(40001)
    expect(bad.errmsg).toMatch(/more info at https:\/\/open\.work\.weixin\.qq\.com\/devtool\/query\?e=40001/)
    expect((await gettoken({ corpid: t.corp.corpid, corpsecret: other.apps[0].secret })).errcode).toBe(40091)
  })

  it('returns the same token while it is valid, a new one after expiry, and 42001 for the old one', async () => {
    t = setupSandbox()
    const q = { corpid: t.corp.corpid, corpsecret: t.contactApp.secret }
    const first = await gettoken(q)
    expect(first).toMatchObject({ errcode: 0, errmsg: 'ok', expires_in: 7200 })
    expect(first.access_token.length).toBeGreaterThan(64)
    t.clock.advance(1000_000)
    const again = await gettoken(q)
    expect(again.access_token).toBe(first.access_token)
    expect(again.expires_in).toBe(6200)

    expect((await t.get('externalcontact/get_follow_user_list', {}, first.access_token)).errcode).toBe(0)
    t.clock.advance(6200_000)
    expect((await t.get('externalcontact/get_follow_user_list', {}, first.access_token)).errcode).toBe(42001)
    const fresh = await gettoken(q)
    expect(fresh.access_token).not.toBe(first.access_token)
    expect((await t.get('externalcontact/get_follow_user_list', {}, fresh.access_token)).errcode).toBe(0)
  })

  it('honours a configured lifetime', async () => {
    t = setupSandbox({ tokenTtlSec: 60 })
    const tok = await t.token()
    t.clock.advance(59_000)
    expect((await t.get('externalcontact/get_follow_user_list', {}, tok)).errcode).toBe(0)
    t.clock.advance(1_000)
    expect((await t.get('externalcontact/get_follow_user_list', {}, tok)).errcode).toBe(42001)
  })

  it('answers 41001 without a token, 40014 for an unknown or invalidated one', async () => {
    t = setupSandbox()
    const r = await request(t.app).get('/sandbox/wecom/cgi-bin/externalcontact/get_follow_user_list')
    expect(r.status).toBe(200)
    expect(r.body.errcode).toBe(41001)
    expect((await t.get('externalcontact/get_follow_user_list', {}, 'garbage')).errcode).toBe(40014)

    const tok = await t.token()
    const inv = await request(t.app).post('/sandbox/control/tokens/invalidate').send({ corpid: t.corp.corpid })
    expect(inv.body.invalidated).toBe(1)
    expect((await t.get('externalcontact/get_follow_user_list', {}, tok)).errcode).toBe(40014)
    const next = await t.token()
    expect(next).not.toBe(tok)
    expect((await t.get('externalcontact/get_follow_user_list', {}, next)).errcode).toBe(0)
  })

  it('keeps tokens per app: the agent app may not call customer-contact APIs (48002)', async () => {
    t = setupSandbox()
    const agent = await t.token('agent')
    expect(agent).not.toBe(await t.token('contact'))
    expect((await t.get('externalcontact/get_follow_user_list', {}, agent)).errcode).toBe(48002)
  })

  it('answers an unknown cgi path with a JSON 404', async () => {
    t = setupSandbox()
    const r = await request(t.app).get('/sandbox/wecom/cgi-bin/user/list')
    expect(r.status).toBe(404)
    expect(r.body.errmsg).toMatch(/not emulated/)
  })
})
