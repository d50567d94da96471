// Rate limit (45009) and injected faults: latency, error codes at a rate, hangs and late answers, call counters.
import request from 'supertest'
import { afterEach, describe, expect, it } from 'vitest'
import { type TestSandbox, setupSandbox } from './testing'

let t: TestSandbox
afterEach(async () => t?.sandbox.close())

describe('rate limit', () => {
  it('answers 45009 past the per-minute limit per corp and endpoint, and recovers next minute', async () => {
    t = setupSandbox({ rateLimitPerMinute: 3 })
    const tok = await t.token()
    t.clock.set(Math.ceil(t.clock.now() / 60_000) * 60_000)
    const codes = []
    for (let i = 0; i < 4; i++) codes.push((await t.get('externalcontact/get_follow_user_list', {}, tok)).errcode)
    expect(codes).toEqual([0, 0, 0, 45009])
    // Another endpoint has its own budget.
    expect((await t.post('externalcontact/get_corp_tag_list', {}, tok)).errcode).toBe(0)
    t.clock.advance(60_000)
    expect((await t.get('externalcontact/get_follow_user_list', {}, tok)).errcode).toBe(0)
    const counters = t.control.getCounters()
    expect(counters.endpoints['externalcontact/get_follow_user_list']).toEqual({ calls: 5, ok: 4, errors: { 45009: 1 } })
  })
})

describe('faults', () => {
  it('adds latency with jitter to the chosen endpoint only', async () => {
    t = setupSandbox()
    const tok = await t.token()
    const set = await request(t.app)
      .put('/sandbox/control/faults')
      .send({ rules: [{ endpoint: 'externalcontact/get_follow_user_list', latencyMs: 150, jitterMs: 50 }] })
    expect(set.status).toBe(200)
    let t0 = performance.now()
    expect((await t.get('externalcontact/get_follow_user_list', {}, tok)).errcode).toBe(0)
    const slow = performance.now() - t0
    t0 = performance.now()
    await t.post('externalcontact/get_corp_tag_list', {}, tok)
    const fast = performance.now() - t0
    expect(slow).toBeGreaterThanOrEqual(145)
    expect(slow).toBeLessThan(1000)
    expect(fast).toBeLessThan(slow - 100)
  })

  it('answers chosen error codes at the chosen rate, counted per endpoint', async () => {
    t = setupSandbox()
    const tok = await t.token()
    t.control.setFaults({ rules: [{ endpoint: 'externalcontact/*', errorRate: 1, errorCodes: [-1, 45033] }] })
    const codes = new Set<number>()
    for (let i = 0; i < 20; i++) codes.add((await t.get('externalcontact/get_follow_user_list', {}, tok)).errcode)
    expect([...codes].sort()).toEqual([-1, 45033])
    // gettoken is outside the prefix rule.
    expect(
      (await request(t.app).get('/sandbox/wecom/cgi-bin/gettoken').query({ corpid: t.corp.corpid, corpsecret: t.contactApp.secret })).body
        .errcode,
    ).toBe(0)

    t.control.setFaults({ rules: [{ errorRate: 0.5, errorCodes: [-1] }], seed: 7 })
    let failures = 0
    for (let i = 0; i < 100; i++) if ((await t.get('externalcontact/get_follow_user_list', {}, tok)).errcode === -1) failures++
    expect(failures).toBeGreaterThan(30)
    expect(failures).toBeLessThan(70)

    const counters = (await request(t.app).get('/sandbox/control/counters')).body
    const c = counters.endpoints['externalcontact/get_follow_user_list']
    expect(c.calls).toBe(120)
    expect(c.ok + c.errors['-1'] + (c.errors['45033'] ?? 0)).toBe(120)
    expect((await request(t.app).delete('/sandbox/control/counters')).body.total).toBe(0)
    expect((await request(t.app).delete('/sandbox/control/faults')).body.rules).toEqual([])
    expect((await t.get('externalcontact/get_follow_user_list', {}, tok)).errcode).toBe(0)
  })

  it('times out: a hang never answers, a delayed answer comes after N ms with the side effect done', async () => {
    t = setupSandbox()
    const tok = await t.token()
    t.control.setFaults({ rules: [{ endpoint: 'externalcontact/get_follow_user_list', timeoutRate: 1, timeoutMode: 'hang' }] })
    await expect(
      request(t.app).get('/sandbox/wecom/cgi-bin/externalcontact/get_follow_user_list').query({ access_token: tok }).timeout(300),
    ).rejects.toThrow(/Timeout/)

    t.control.setFaults({
      rules: [{ endpoint: 'externalcontact/add_corp_tag', timeoutRate: 1, timeoutMode: 'delay', timeoutAfterMs: 400 }],
    })
    await expect(
      request(t.app)
        .post('/sandbox/wecom/cgi-bin/externalcontact/add_corp_tag')
        .query({ access_token: tok })
        .send({ group_name: '超时组', tag: [{ name: 'x' }] })
        .timeout(150),
    ).rejects.toThrow(/Timeout/)
    t.control.clearFaults()
    // The call went through although the client gave up: retrying blindly would duplicate work.
    const list = await t.post('externalcontact/get_corp_tag_list', {}, tok)
    expect(list.tag_group.map((g: any) => g.group_name)).toEqual(['超时组'])
    const t0 = performance.now()
    t.control.setFaults({
      rules: [{ endpoint: 'externalcontact/get_corp_tag_list', timeoutRate: 1, timeoutMode: 'delay', timeoutAfterMs: 200 }],
    })
    expect((await t.post('externalcontact/get_corp_tag_list', {}, tok)).errcode).toBe(0)
    expect(performance.now() - t0).toBeGreaterThanOrEqual(195)
  })

  it('rejects malformed fault rules with a 400 naming the field', async () => {
    t = setupSandbox()
    const r = await request(t.app)
      .put('/sandbox/control/faults')
      .send({ rules: [{ errorRate: 2 }] })
    expect(r.status).toBe(400)
    expect(r.body.error).toMatch(/errorRate/)
  })
})
