// The H5 binding end to end against the sandbox: OAuth door and state checks, SMS codes and their limits, bind / rebind / unbind, JS-SDK config, unfollow.
import { afterEach, describe, expect, it } from 'vitest'
import { ManualClock } from '../../lib/clock'
import { RateLimitedError } from '../../lib/errors'
import { jsapiSignature } from '../../platform/crypto'
import { createContextInner } from '../../trpc/context'
import { createCaller } from '../../trpc/router'
import { createOrgWithUser } from '../../testing/deps'
import { createWecomEnv, type WecomEnv } from '../../testing/wecom-env'
import { linkDemoOa, linkDemoSms } from '../../sandbox-link'
import { h5EntryUrl } from '../../../shared/h5-entry'
import { insertEmployee } from '../employees/employees.repository'
import { H5_SESSION_COOKIE, H5_STATE_COOKIE, signH5Session, type H5Session } from './h5-session'
import { H5_OAUTH_CALLBACK_PATH } from './h5-oauth.route'

let env: WecomEnv | undefined
afterEach(async () => {
  await env?.close()
  env = undefined
})

interface World {
  env: WecomEnv
  clock: ManualClock
  appid: string
  slug: string
}

async function setup(): Promise<World> {
  const clock = new ManualClock(Date.now())
  env = await createWecomEnv({ clock })
  const appid = await linkDemoOa(env.deps, env.sandbox, env.orgId)
  await linkDemoSms(env.deps, env.orgId)
  const org = await env.deps.db.selectFrom('orgs').select('slug').where('id', '=', env.orgId).executeTakeFirstOrThrow()
  return { env, clock, appid, slug: org.slug }
}

async function addEmployee(w: World, name: string, mobile: string, orgId = w.env.orgId): Promise<number> {
  const now = w.clock.now()
  return insertEmployee(w.env.deps.db, {
    org_id: orgId,
    name,
    mobile,
    receives_system_notices: 0,
    follows_oa: 0,
    created_at: now,
    updated_at: now,
  })
}

function h5(w: World, openid: string, ip = '10.0.0.1', orgId = w.env.orgId) {
  const session: H5Session = { orgId, openid, expiresAt: w.clock.now() + 60_000 }
  return createCaller(createContextInner({ deps: w.env.deps, h5: session, ip }))
}

const fan = (w: World, subscribed = true) => w.env.sandbox.control.addOaFan(w.appid, { nickname: '员工', subscribed }).openid

/** The code the sandbox phone received last. */
async function codeFor(w: World, mobile: string): Promise<string> {
  const res = await fetch(`${w.env.baseUrl}/sandbox/control/sms/inbox?phone=${mobile}`)
  const { messages } = (await res.json()) as { messages: { params: string[] }[] }
  expect(messages.length).toBeGreaterThan(0)
  return messages[0]!.params[0]!
}

const employeeRow = (w: World, id: number) =>
  w.env.deps.db.selectFrom('employees').selectAll().where('id', '=', id).executeTakeFirstOrThrow()

async function get(url: string, cookies: Record<string, string> = {}) {
  const cookie = Object.entries(cookies)
    .map(([k, v]) => `${k}=${v}`)
    .join('; ')
  return fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} })
}

function setCookies(res: Response): Record<string, string> {
  const out: Record<string, string> = {}
  for (const c of res.headers.getSetCookie()) {
    const [pair] = c.split(';')
    const eq = pair!.indexOf('=')
    out[pair!.slice(0, eq)] = decodeURIComponent(pair!.slice(eq + 1))
  }
  return out
}

describe('H5 OAuth door', () => {
  it('no session → authorize (snsapi_base, state bound by cookie) → callback → session → the page', async () => {
    const w = await setup()
    const entry = new URL(h5EntryUrl(w.env.baseUrl, w.slug))
    const first = await get(entry.href)
    expect(first.status).toBe(302)
    const authorize = new URL(first.headers.get('location')!)
    expect(authorize.pathname).toBe('/sandbox/oa/connect/oauth2/authorize')
    expect(authorize.searchParams.get('scope')).toBe('snsapi_base')
    expect(authorize.searchParams.get('appid')).toBe(w.appid)
    expect(authorize.hash).toBe('#wechat_redirect')
    const state = authorize.searchParams.get('state')!
    expect(state).toMatch(/^[A-Za-z0-9]{1,128}$/)
    const nonce = setCookies(first)[H5_STATE_COOKIE]!
    expect(nonce).toBeTruthy()

    const openid = fan(w)
    const granted = w.env.sandbox.control.oaAuthorize(w.appid, { redirect_uri: authorize.searchParams.get('redirect_uri')!, state, openid })
    const back = await get(granted.location, { [H5_STATE_COOKIE]: nonce })
    expect(back.status).toBe(302)
    expect(back.headers.get('location')).toBe(`/h5/?org=${w.slug}`)
    const session = setCookies(back)[H5_SESSION_COOKIE]!
    expect(session).toContain(`.${openid}.`)
    expect(back.headers.getSetCookie().join(';')).toMatch(/HttpOnly/i)

    // With the session the door opens (no static pages in this server: the request falls through to 404).
    const again = await get(entry.href, { [H5_SESSION_COOKIE]: session })
    expect(again.status).toBe(404)
    // The same session over HTTP reaches h5.me.
    const me = await get(`${w.env.baseUrl}/trpc/h5.me`, { [H5_SESSION_COOKIE]: session })
    expect(me.status).toBe(200)
    expect(((await me.json()) as { result: { data: { employee: unknown } } }).result.data.employee).toBeNull()
  })

  it('refuses a tampered state, restarts an expired one or one from another browser, and never signs in on a reused code or a snapshot user', async () => {
    const w = await setup()
    const entry = h5EntryUrl(w.env.baseUrl, w.slug)
    const begin = async () => {
      const res = await get(entry)
      const authorize = new URL(res.headers.get('location')!)
      return {
        state: authorize.searchParams.get('state')!,
        redirect: authorize.searchParams.get('redirect_uri')!,
        nonce: setCookies(res)[H5_STATE_COOKIE]!,
      }
    }
    const callback = (q: Record<string, string>, cookies: Record<string, string>) =>
      get(`${w.env.baseUrl}${H5_OAUTH_CALLBACK_PATH}?${new URLSearchParams(q).toString()}`, cookies)
    const openid = fan(w)

    // Tampered: another org id under the same signature.
    const a = await begin()
    const forged = a.state.replace(/^\d+/, String(w.env.orgId + 1))
    const tampered = await callback({ code: 'x', state: forged }, { [H5_STATE_COOKIE]: a.nonce })
    expect(tampered.status).toBe(400)
    expect(setCookies(tampered)[H5_SESSION_COOKIE]).toBeUndefined()

    // Another browser (no nonce cookie): the code is dropped and this browser is sent round again.
    const b = await begin()
    const codeB = w.env.sandbox.control.oaAuthorize(w.appid, { redirect_uri: b.redirect, state: b.state, openid }).code
    const foreign = await callback({ code: codeB, state: b.state }, {})
    expect(foreign.status).toBe(302)
    expect(foreign.headers.get('location')).toContain('/connect/oauth2/authorize')
    expect(setCookies(foreign)[H5_SESSION_COOKIE]).toBeUndefined()

    // Expired: 10 minutes later the state is no good either.
    const c = await begin()
    const codeC = w.env.sandbox.control.oaAuthorize(w.appid, { redirect_uri: c.redirect, state: c.state, openid }).code
    w.clock.advance(10 * 60_000 + 1000)
    const expired = await callback({ code: codeC, state: c.state }, { [H5_STATE_COOKIE]: c.nonce })
    expect(expired.headers.get('location')).toContain('/connect/oauth2/authorize')
    expect(setCookies(expired)[H5_SESSION_COOKIE]).toBeUndefined()

    // A code used once: the second use (40163) signs nobody in.
    const d = await begin()
    const codeD = w.env.sandbox.control.oaAuthorize(w.appid, { redirect_uri: d.redirect, state: d.state, openid }).code
    const ok = await callback({ code: codeD, state: d.state }, { [H5_STATE_COOKIE]: d.nonce })
    expect(setCookies(ok)[H5_SESSION_COOKIE]).toBeTruthy()
    const reused = await callback({ code: codeD, state: d.state }, { [H5_STATE_COOKIE]: d.nonce })
    expect(reused.headers.get('location')).toBe(`/h5/?org=${w.slug}&reason=oauth_failed`)
    expect(setCookies(reused)[H5_SESSION_COOKIE]).toBeFalsy()

    // A snapshot-page virtual user is told to open the page from the account.
    const e = await begin()
    const codeE = w.env.sandbox.control.oaAuthorize(w.appid, { redirect_uri: e.redirect, state: e.state, snapshot: true }).code
    const snap = await callback({ code: codeE, state: e.state }, { [H5_STATE_COOKIE]: e.nonce })
    expect(snap.headers.get('location')).toBe(`/h5/?org=${w.slug}&reason=snapshot`)
    expect(setCookies(snap)[H5_SESSION_COOKIE]).toBeFalsy()
    // With a reason the door does not send the browser round again.
    expect((await get(`${entry}&reason=snapshot`)).status).toBe(404)
  })

  it('an H5 procedure without a session, or with a forged one, is refused', async () => {
    const w = await setup()
    const anon = createCaller(createContextInner({ deps: w.env.deps }))
    await expect(anon.h5.me()).rejects.toMatchObject({ code: 'UNAUTHORIZED' })
    const genuine = signH5Session(w.env.deps.secrets, { orgId: w.env.orgId, openid: 'oAAAAAAAAAAAA', expiresAt: w.clock.now() + 60_000 })
    // Another org under the same signature.
    const forged = genuine.replace(/^\d+/, String(w.env.orgId + 1))
    const res = await get(`${w.env.baseUrl}/trpc/h5.me`, { [H5_SESSION_COOKIE]: forged })
    expect(res.status).toBe(401)
  })
})

describe('H5 binding', () => {
  it('binds with the code from the SMS inbox; the code is single-use and the employee shows bound', async () => {
    const w = await setup()
    const id = await addEmployee(w, '张丽', '13800000001')
    const openid = fan(w)
    const page = h5(w, openid)
    const sent = await page.h5.sendCode({ mobile: '13800000001' })
    expect(sent).toMatchObject({ mobileMasked: '138****0001', expiresInSec: 300 })
    const code = await codeFor(w, '13800000001')
    expect(code).toMatch(/^\d{6}$/)
    const stored = await w.env.deps.db.selectFrom('sms_codes').selectAll().executeTakeFirstOrThrow()
    expect(stored.code_hash).not.toContain(code)
    expect(stored.status).toBe('sent')

    const bound = await page.h5.bind({ mobile: '13800000001', code })
    expect(bound).toMatchObject({ name: '张丽', replacedEmployeeId: null })
    const row = await employeeRow(w, id)
    expect(row).toMatchObject({ openid, follows_oa: 1 })
    expect(row.bound_at).toBe(w.clock.now())
    await expect(page.h5.bind({ mobile: '13800000001', code })).rejects.toThrow('验证码已使用')
    expect((await page.h5.me()).employee).toMatchObject({ name: '张丽', mobileMasked: '138****0001' })
    const audit = await w.env.deps.db.selectFrom('audit_log').selectAll().where('action', '=', 'h5.bind').execute()
    expect(audit).toHaveLength(1)
    expect(audit[0]!.input_summary).not.toContain(openid)
  })

  it('refuses an unregistered mobile without sending, a wrong code (counting down), too many attempts and an expired code', async () => {
    const w = await setup()
    await addEmployee(w, '王芳', '13800000002')
    const page = h5(w, fan(w))
    await expect(page.h5.sendCode({ mobile: '13900000000' })).rejects.toThrow('该手机号未登记，请联系管理员')
    expect(await w.env.deps.db.selectFrom('sms_codes').select('id').execute()).toHaveLength(0)
    await expect(page.h5.bind({ mobile: '13800000002', code: '123456' })).rejects.toThrow('请先获取验证码')

    await page.h5.sendCode({ mobile: '13800000002' })
    const code = await codeFor(w, '13800000002')
    const wrong = code === '000000' ? '111111' : '000000'
    await expect(page.h5.bind({ mobile: '13800000002', code: wrong })).rejects.toThrow('还可尝试 4 次')
    for (let i = 0; i < 3; i++) await expect(page.h5.bind({ mobile: '13800000002', code: wrong })).rejects.toThrow('验证码错误')
    await expect(page.h5.bind({ mobile: '13800000002', code: wrong })).rejects.toThrow('验证码错误次数过多')
    // The right code after five wrong ones is refused too.
    await expect(page.h5.bind({ mobile: '13800000002', code })).rejects.toThrow('验证码错误次数过多')

    w.clock.advance(61_000)
    await page.h5.sendCode({ mobile: '13800000002' })
    const fresh = await codeFor(w, '13800000002')
    w.clock.advance(5 * 60_000 + 1)
    await expect(page.h5.bind({ mobile: '13800000002', code: fresh })).rejects.toThrow('验证码已过期')
    const employees = await w.env.deps.db.selectFrom('employees').select('openid').execute()
    expect(employees.every((e) => e.openid === null)).toBe(true)
  })

  it('limits codes per mobile (1/min, 5/h), per openid (10/h) and per IP (30/h), with Retry-After', async () => {
    const w = await setup()
    await addEmployee(w, '刘洋', '13800000003')
    const page = h5(w, fan(w))
    // One openid trying many mobiles.
    const mobiles = Array.from({ length: 11 }, (_, i) => `1370000${String(i).padStart(4, '0')}`)
    for (const [i, m] of mobiles.entries()) await addEmployee(w, `员工${i}`, m)
    const roamer = h5(w, fan(w), '10.0.0.2')
    for (const m of mobiles.slice(0, 10)) await roamer.h5.sendCode({ mobile: m })
    await expect(roamer.h5.sendCode({ mobile: mobiles[10]! })).rejects.toThrow('您 1 小时内获取验证码次数过多')

    // One IP across openids: 30 per hour.
    const many = Array.from({ length: 31 }, (_, i) => `1360000${String(i).padStart(4, '0')}`)
    for (const [i, m] of many.entries()) await addEmployee(w, `同网${i}`, m)
    for (const m of many.slice(0, 30)) await h5(w, fan(w), '10.0.0.3').h5.sendCode({ mobile: m })
    await expect(h5(w, fan(w), '10.0.0.3').h5.sendCode({ mobile: many[30]! })).rejects.toThrow('当前网络 1 小时内获取验证码次数过多')
    // The SMS SDK signs with the real clock: the hour is moved through last, or the sandbox would call its signatures expired.
    await page.h5.sendCode({ mobile: '13800000003' })
    const err = await page.h5.sendCode({ mobile: '13800000003' }).catch((e: { cause?: unknown }) => e.cause)
    expect(err).toBeInstanceOf(RateLimitedError)
    expect((err as RateLimitedError).retryAfterSec).toBe(60)
    for (let i = 0; i < 4; i++) {
      w.clock.advance(61_000)
      await page.h5.sendCode({ mobile: '13800000003' })
    }
    w.clock.advance(61_000)
    await expect(page.h5.sendCode({ mobile: '13800000003' })).rejects.toThrow('1 小时内获取验证码已达 5 次')

    const refused = await w.env.deps.db.selectFrom('sms_codes').select('id').where('status', '=', 'refused').execute()
    expect(refused).toHaveLength(4)
  })

  it('concurrent sends for one mobile send one code; concurrent binds with the right code bind once', async () => {
    const w = await setup()
    const id = await addEmployee(w, '赵敏', '13800000004')
    const page = h5(w, fan(w))
    const sends = await Promise.allSettled(Array.from({ length: 5 }, () => page.h5.sendCode({ mobile: '13800000004' })))
    expect(sends.filter((s) => s.status === 'fulfilled')).toHaveLength(1)
    const res = await fetch(`${w.env.baseUrl}/sandbox/control/sms/inbox?phone=13800000004`)
    expect(((await res.json()) as { messages: unknown[] }).messages).toHaveLength(1)
    const code = await codeFor(w, '13800000004')
    const binds = await Promise.allSettled(Array.from({ length: 4 }, () => page.h5.bind({ mobile: '13800000004', code })))
    expect(binds.filter((b) => b.status === 'fulfilled')).toHaveLength(1)
    expect((await employeeRow(w, id)).openid).not.toBeNull()
  })

  it('rebinding moves the openid (one employee per openid per org) and is audited; 解除绑定 from the page', async () => {
    const w = await setup()
    const a = await addEmployee(w, '甲', '13800000005')
    const b = await addEmployee(w, '乙', '13800000006')
    const openid = fan(w)
    const page = h5(w, openid)
    await page.h5.sendCode({ mobile: '13800000005' })
    await page.h5.bind({ mobile: '13800000005', code: await codeFor(w, '13800000005') })
    await page.h5.sendCode({ mobile: '13800000006' })
    const moved = await page.h5.bind({ mobile: '13800000006', code: await codeFor(w, '13800000006') })
    expect(moved.replacedEmployeeId).toBe(a)
    expect((await employeeRow(w, a)).openid).toBeNull()
    expect((await employeeRow(w, b)).openid).toBe(openid)

    // 甲 binds again from a new phone (another openid): 甲 has it, 乙 keeps the first.
    const other = fan(w)
    const page2 = h5(w, other)
    w.clock.advance(61_000)
    await page2.h5.sendCode({ mobile: '13800000005' })
    await page2.h5.bind({ mobile: '13800000005', code: await codeFor(w, '13800000005') })
    expect((await employeeRow(w, a)).openid).toBe(other)
    const actions = (await w.env.deps.db.selectFrom('audit_log').select('action').orderBy('id').execute()).map((r) => r.action)
    expect(actions.filter((x) => x.startsWith('h5.'))).toEqual(['h5.bind', 'h5.rebind', 'h5.bind'])

    await page.h5.unbind()
    expect((await employeeRow(w, b)).openid).toBeNull()
    await expect(page.h5.unbind()).rejects.toThrow('当前微信未绑定员工')
  })

  it("keeps orgs apart: a session of one org cannot reach another org's employee", async () => {
    const w = await setup()
    const { orgId: otherOrg } = await createOrgWithUser(w.env.deps, 'org_admin')
    const theirs = await addEmployee(w, '别家', '13800000007', otherOrg)
    const page = h5(w, fan(w))
    await expect(page.h5.sendCode({ mobile: '13800000007' })).rejects.toThrow('该手机号未登记')
    expect((await employeeRow(w, theirs)).openid).toBeNull()
    // A session for the other org has no account there: nothing is sent.
    await expect(h5(w, fan(w), '10.0.0.9', otherOrg).h5.sendCode({ mobile: '13800000007' })).rejects.toThrow('短信配置')
  })

  it('signs wx.config for our own page URL only, with the sandbox ticket', async () => {
    const w = await setup()
    const page = h5(w, fan(w))
    const url = `${w.env.baseUrl}/h5/?org=${w.slug}`
    const cfg = await page.h5.jsConfig({ url: `${url}#top` })
    expect(cfg.appId).toBe(w.appid)
    const ticket = await (await w.env.deps.oa.for(w.env.orgId)).jsapi.getTicket()
    expect(cfg.signature).toBe(jsapiSignature({ ticket, nonceStr: cfg.nonceStr, timestamp: cfg.timestamp, url }))
    await expect(page.h5.jsConfig({ url: 'https://evil.example.com/h5/' })).rejects.toThrow('只能为本站的 H5 页面签名')
  })

  it('shows the follow QR to a fan who does not follow; unfollowing unbinds, deletes the codes and is audited; following again marks follows_oa', async () => {
    const w = await setup()
    const id = await addEmployee(w, '钱多', '13800000008')
    const stranger = h5(w, fan(w, false))
    const me = await stranger.h5.me()
    expect(me.subscribed).toBe(false)
    expect(me.followQr).toMatch(/^data:image\/png;base64,/)
    expect(await w.env.deps.db.selectFrom('oa_follow_qrcodes').select('scene').execute()).toEqual([{ scene: `org_${w.env.orgId}` }])

    const openid = fan(w)
    const page = h5(w, openid)
    expect((await page.h5.me()).followQr).toBeNull()
    await page.h5.sendCode({ mobile: '13800000008' })
    await page.h5.bind({ mobile: '13800000008', code: await codeFor(w, '13800000008') })

    await w.env.sandbox.control.unfollowOa(w.appid, openid, { wait: true })
    await w.env.waitFor(async () => (await employeeRow(w, id)).openid === null)
    expect(await w.env.deps.db.selectFrom('sms_codes').select('id').where('openid', '=', openid).execute()).toHaveLength(0)
    const stored = await w.env.deps.db
      .selectFrom('callback_events')
      .select(['plaintext', 'external_userid'])
      .where('source', '=', 'oa')
      .execute()
    expect(stored.every((e) => e.plaintext === '' && e.external_userid === null)).toBe(true)
    expect(await w.env.deps.db.selectFrom('audit_log').select('action').where('action', '=', 'oa.unsubscribe').execute()).toHaveLength(1)

    // Bound again, then unfollow + follow: follows_oa comes back with the subscribe event.
    await page.h5.sendCode({ mobile: '13800000008' }).catch(() => undefined)
    w.clock.advance(61_000)
    await page.h5.sendCode({ mobile: '13800000008' })
    await page.h5.bind({ mobile: '13800000008', code: await codeFor(w, '13800000008') })
    await w.env.deps.db.updateTable('employees').set({ follows_oa: 0 }).where('id', '=', id).execute()
    // Following again through the org's follow QR: subscribe with the org's scene, then a SCAN by the follower.
    await w.env.sandbox.control.scanOaQr(w.appid, openid, { scene: `org_${w.env.orgId}` })
    await w.env.waitFor(async () => (await employeeRow(w, id)).follows_oa === 1)
    await w.env.sandbox.control.scanOaQr(w.appid, openid, { scene: `org_${w.env.orgId}` })
    const keys = await w.env.waitFor(async () => {
      const rows = await w.env.deps.db
        .selectFrom('callback_events')
        .select(['event', 'plaintext'])
        .where('source', '=', 'oa')
        .orderBy('id')
        .execute()
      const last = rows.slice(-2)
      return last.length === 2 && last[1]!.event === 'SCAN' && last
    })
    expect(keys.map((k) => k.event)).toEqual(['subscribe', 'SCAN'])
    expect(keys[0]!.plaintext).toContain(`qrscene_org_${w.env.orgId}`)
  })
})
