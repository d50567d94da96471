// Test harness for the sandbox: an express app mounting the router, a manual clock, a small corp and API helpers.
import express from 'express'
import request from 'supertest'
import { ManualClock } from '../lib/clock'
import { type SandboxOptions, createSandbox } from './index'

export const TEST_BASE_URL = 'http://sandbox.test'

export const TEST_MEMBERS = [
  { userid: 'alice', name: '张丽' },
  { userid: 'bob', name: '王芳' },
  { userid: 'carol', name: '李娜' },
  { userid: 'dave', name: '刘洋', customer_contact: false },
]

export function setupSandbox(opts: Partial<SandboxOptions> = {}) {
  const clock = new ManualClock()
  const sandbox = createSandbox({
    clock,
    publicBaseUrl: TEST_BASE_URL,
    seed: 'none',
    callbackRetryDelayMs: 0,
    callbackTimeoutMs: 1000,
    ...opts,
  })
  const app = express()
  app.use('/sandbox', sandbox.router)
  const corp = sandbox.control.createCorp({ name: '测试诊所', members: TEST_MEMBERS })
  const contactApp = corp.apps.find((a) => a.kind === 'contact')!
  const agentApp = corp.apps.find((a) => a.kind === 'agent')!
  const corpState = sandbox.state.corps.get(corp.corpid)!

  async function token(kind: 'contact' | 'agent' = 'contact'): Promise<string> {
    const app_ = kind === 'contact' ? contactApp : agentApp
    const r = await request(app).get('/sandbox/wecom/cgi-bin/gettoken').query({ corpid: corp.corpid, corpsecret: app_.secret })
    if (r.body.errcode !== 0) throw new Error(`gettoken failed: ${JSON.stringify(r.body)}`)
    return r.body.access_token as string
  }

  let cached: string | undefined
  /** POST /cgi-bin/<path> with the contact app's token (or the one given). */
  async function post(path: string, body: unknown, accessToken?: string) {
    cached ??= await token()
    const r = await request(app)
      .post(`/sandbox/wecom/cgi-bin/${path}`)
      .query({ access_token: accessToken ?? cached })
      .send(body as object)
    return r.body as Record<string, any>
  }

  async function get(path: string, query: Record<string, string> = {}, accessToken?: string) {
    cached ??= await token()
    const r = await request(app)
      .get(`/sandbox/wecom/cgi-bin/${path}`)
      .query({ access_token: accessToken ?? cached, ...query })
    return r.body as Record<string, any>
  }

  /** A contact way for the given users and `n` customers who scanned it (no callback configured). */
  async function customersVia(users: string[], n: number, state = 'test') {
    const way = await post('externalcontact/add_contact_way', { type: users.length === 1 ? 1 : 2, scene: 2, user: users, state })
    const ids: string[] = []
    for (let i = 0; i < n; i++) ids.push((await sandbox.control.scan(corp.corpid, { config_id: way.config_id })).external_userid)
    return { configId: way.config_id as string, ids }
  }

  return { sandbox, app, clock, corp, corpState, contactApp, agentApp, token, post, get, customersVia, control: sandbox.control }
}

export type TestSandbox = ReturnType<typeof setupSandbox>
