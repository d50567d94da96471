// End-to-end test world: a real HTTP server with the sandbox mounted, an org linked to a sandbox corp, workers running.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createApp } from '../app'
import type { DbHandle } from '../db/connect'
import type { Deps } from '../deps'
import { systemClock, type Clock } from '../lib/clock'
import { silentLogger } from '../lib/logger'
import { Queue } from '../queue/queue'
import { createSandbox, type Sandbox, type SandboxOptions } from '../sandbox/index'
import { linkOrgToSandboxCorp } from '../sandbox-link'
import { WecomCallbackReceiver } from '../modules/callbacks/callback.route'
import { OaCallbackReceiver } from '../modules/callbacks/oa-callback.route'
import { withFastPaths } from '../http/fast-path'
import { registerWorkers } from '../workers'
import { createContactWayQrRouter } from '../modules/contact-ways/contact-ways.qr.route'
import { createCustomerExportRouter } from '../modules/customers/customers.export.route'
import { createBroadcastRedirectRouter } from '../modules/broadcasts/broadcasts.redirect.route'
import { createTestDb } from './test-db'
import { createOrgWithUser, createTestDeps, testConfig } from './deps'
import { callerFor, type Caller } from './tenant'

export interface WecomEnv {
  handle: DbHandle
  deps: Deps
  sandbox: Sandbox
  baseUrl: string
  orgId: number
  corpid: string
  /** tRPC caller acting as the org's admin. */
  caller: Caller
  /** The WeCom callback receiver the server runs (its refusal counts, for instance). */
  callbacks: WecomCallbackReceiver
  /** Waits until `check` returns a truthy value (polling), or fails after `timeoutMs`. */
  waitFor<T>(check: () => Promise<T | null | undefined | false>, timeoutMs?: number): Promise<T>
  close(): Promise<void>
}

export interface WecomEnvOptions {
  clock?: Clock
  sandbox?: Partial<SandboxOptions>
  /** Members of the sandbox corp (userid → name); default three staff with customer contact. */
  members?: Record<string, string>
  /** Start the queue's worker loop (default true); false lets a test drive it with runUntilIdle. */
  workers?: boolean
}

export async function createWecomEnv(opts: WecomEnvOptions = {}): Promise<WecomEnv> {
  const handle = await createTestDb()
  const server: Server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const clock = opts.clock ?? systemClock
  const config = testConfig({
    publicBaseUrl: baseUrl,
    wecomApiBase: `${baseUrl}/sandbox/wecom`,
    oaApiBase: `${baseUrl}/sandbox/oa`,
    oaOpenBase: `${baseUrl}/sandbox/oa`,
    smsApiBase: `${baseUrl}/sandbox/sms`,
  })
  const queue = new Queue({ db: handle.db, clock, log: silentLogger, instanceId: 'e2e', pollIntervalMs: 200 })
  const sandbox = createSandbox({
    publicBaseUrl: baseUrl,
    seed: 'none',
    clock,
    callbackTimeoutMs: 2000,
    callbackRetryDelayMs: 20,
    ...opts.sandbox,
  })
  const deps = createTestDeps(handle, { config, clock, queue, sandbox: sandbox.control }) as Deps
  const callbacks = new WecomCallbackReceiver(deps)
  const oaCallbacks = new OaCallbackReceiver(deps)
  const app = createApp({
    deps,
    sandboxRouter: sandbox.router,
    rawRoutes: [
      callbacks.router(),
      oaCallbacks.router(),
      createContactWayQrRouter(deps),
      createBroadcastRedirectRouter(deps),
      createCustomerExportRouter(deps),
    ],
  })
  // Wired as in main.ts: callback POSTs take the fast path.
  server.on('request', withFastPaths(app, [callbacks.fastPath(), oaCallbacks.fastPath()]))

  const members = opts.members ?? { zhangli: '张丽', wangfang: '王芳', liuyang: '刘洋' }
  const corp = sandbox.control.createCorp({
    name: '测试诊所',
    members: Object.entries(members).map(([userid, name]) => ({ userid, name })),
  })
  const { orgId, user } = await createOrgWithUser(deps, 'org_admin')
  await linkOrgToSandboxCorp(deps, sandbox, orgId, corp.corpid)
  registerWorkers(deps)
  if (opts.workers !== false) queue.start()

  return {
    handle,
    deps,
    sandbox,
    baseUrl,
    orgId,
    corpid: corp.corpid,
    caller: callerFor(deps, user),
    callbacks,
    async waitFor(check, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs
      for (;;) {
        const v = await check()
        if (v) return v
        if (Date.now() > until) throw new Error(`waitFor timed out after ${timeoutMs} ms`)
        await new Promise((r) => setTimeout(r, 25))
      }
    },
    async close() {
      await queue.stop()
      await sandbox.close()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await handle.close()
    },
  }
}
