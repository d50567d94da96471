// Control API over HTTP: validation (400), unknown things (404), conflicts (409), reset, snapshot, README coverage.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import express from 'express'
import request from 'supertest'
import { afterEach, describe, expect, it } from 'vitest'
import { ManualClock } from '../../lib/clock'
import { createSandbox } from '../index'
import { type TestSandbox, setupSandbox } from '../testing'
import { controlRouter } from './router'

let t: TestSandbox | undefined
afterEach(async () => {
  await t?.sandbox.close()
  t = undefined
})

describe('control API', () => {
  it('answers 400 with the field at fault, 404 for unknown corps and routes, 409 on conflicts', async () => {
    t = setupSandbox()
    const base = `/sandbox/control/corps/${t.corp.corpid}`
    const bad = await request(t.app).put(`${base}/callback`).send({ url: 'not a url', token: 'tok', encodingAesKey: 'short' })
    expect(bad.status).toBe(400)
    expect(bad.body.error).toMatch(/url/)
    expect(bad.body.error).toMatch(/encodingAesKey/)
    const extra = await request(t.app).post(`${base}/scan`).send({ config_id: 'x', surprise: 1 })
    expect(extra.status).toBe(400)
    expect((await request(t.app).post(`${base}/scan`).send({ config_id: 'nope' })).status).toBe(404)
    expect((await request(t.app).post('/sandbox/control/corps/wwnope/scan').send({ config_id: 'x' })).status).toBe(404)
    expect((await request(t.app).get('/sandbox/control/nothing')).status).toBe(404)
    const json = await request(t.app).post(`${base}/scan`).set('content-type', 'application/json').send('{oops')
    expect(json.status).toBe(400)
    expect((await request(t.app).post('/sandbox/control/corps').send({ name: 'dup', corpid: t.corp.corpid })).status).toBe(409)

    const { ids } = await t.customersVia(['alice'], 1)
    const way = (await t.post('externalcontact/list_contact_way', {})).contact_way[0].config_id
    const again = await request(t.app).post(`${base}/scan`).send({ config_id: way, external_userid: ids[0], userid: 'alice' })
    expect(again.status).toBe(409)
    expect((await request(t.app).post(`${base}/tag-change`).send({ change_type: 'create', tag_type: 'tag', name: 'x' })).status).toBe(400)
  })

  it('creates corps with fresh secrets, lists them with callback settings and resets', async () => {
    t = setupSandbox()
    const created = await request(t.app)
      .post('/sandbox/control/corps')
      .send({ name: '第二家诊所', apps: [{ name: '客户联系', kind: 'contact' }], members: [{ userid: 'x1', name: '某人' }] })
    expect(created.status).toBe(200)
    expect(created.body.apps[0].secret).toMatch(/^[A-Za-z0-9_-]{43}$/)
    const corps = (await request(t.app).get('/sandbox/control/corps')).body
    expect(corps.map((c: any) => c.name)).toEqual(['测试诊所', '第二家诊所'])
    expect(corps[0]).toHaveProperty('callback', null)
    const reset = await request(t.app).post('/sandbox/control/reset').send({ seed: 'none' })
    expect(reset.body.corps).toEqual([])
    const demo = await request(t.app).post('/sandbox/control/reset').send({ seed: 'demo' })
    expect(demo.body.corps[0].counts.customers).toBe(60)
  })

  it('documents every control route in README.md', () => {
    t = setupSandbox()
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
    const router = controlRouter(t.control, () => undefined)
    const routes = (router.stack as any[])
      .filter((l) => l.route)
      .flatMap((l) => Object.keys(l.route.methods).map((m) => `${m.toUpperCase()} /control${l.route.path}`))
    expect(routes.length).toBeGreaterThan(20)
    for (const r of routes) expect(readme, `README is missing \`${r}\``).toContain(`\`${r}\``)
  })
})

describe('state file', () => {
  it('survives a restart: corps, secrets, tokens, customers and the id sequence', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sandbox-'))
    const file = join(dir, 'wecom.json')
    try {
      const clock = new ManualClock()
      const a = createSandbox({ clock, publicBaseUrl: 'http://x', seed: 'demo', stateFile: file })
      const appA = express().use('/sandbox', a.router)
      const corp = a.control.listCorps()[0]
      const tok = (
        await request(appA).get('/sandbox/wecom/cgi-bin/gettoken').query({ corpid: corp.corpid, corpsecret: corp.apps[0].secret })
      ).body.access_token
      a.control.seedBulk(corp.corpid, { customers: 500 })
      const firstPage = (
        await request(appA)
          .post('/sandbox/wecom/cgi-bin/externalcontact/batch/get_by_user')
          .query({ access_token: tok })
          .send({ userid_list: ['ZhangLi'], limit: 100 })
      ).body
      await a.close()

      const b = createSandbox({ clock, publicBaseUrl: 'http://x', seed: 'demo', stateFile: file })
      const appB = express().use('/sandbox', b.router)
      expect(b.control.listCorps()).toEqual(a.control.listCorps())
      const again = (
        await request(appB)
          .post('/sandbox/wecom/cgi-bin/externalcontact/batch/get_by_user')
          .query({ access_token: tok })
          .send({ userid_list: ['ZhangLi'], limit: 100 })
      ).body
      expect(again).toEqual(firstPage)
      const more = b.control.seedBulk(corp.corpid, { customers: 10 })
      expect(more.customers).toBe(10)
      expect(b.control.listCorps()[0].counts.customers).toBe(570)
      await b.close()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
