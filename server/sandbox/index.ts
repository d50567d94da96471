// createSandbox: the WeCom emulator (API, callbacks, control API, seeds) as one express router mounted at /sandbox.
import { renameSync } from 'node:fs'
import { type Request, type Response, Router } from 'express'
import { type Clock, systemClock } from '../lib/clock'
import { CallbackSender } from './callbacks'
import type { SandboxContext } from './context'
import { type Control, createControl } from './control/actions'
import { controlRouter } from './control/router'
import { Faults } from './faults'
import { Counters, RateLimiter } from './metering'
import { SnapshotWriter, loadSnapshotFile, restore, snapshot } from './persist'
import { seedDemo } from './seed'
import { mountSms, type SmsEmulator } from './sms'
import { SandboxState } from './state'
import { oaRouter } from './oa/router'
import { wecomRouter } from './wecom/router'

export type { Control } from './control/actions'
export type { SandboxContext } from './context'
export type { FaultRule } from './faults'
export { DEMO_CORP_NAME } from './seed'
export type { SandboxState } from './state'

export interface SandboxOptions {
  clock?: Clock
  /** e.g. http://127.0.0.1:3000 — the origin the sandbox is reached at; QR and avatar URLs are built from it. */
  publicBaseUrl: string
  /** What a fresh world contains (default 'demo'); ignored when stateFile holds a snapshot. */
  seed?: 'demo' | 'none'
  /** Per try, like WeCom's 5 s (default 5000). */
  callbackTimeoutMs?: number
  /** Pause between callback tries (default 1000). */
  callbackRetryDelayMs?: number
  /** Per corp per endpoint per minute (default 10 000, the platform's). */
  rateLimitPerMinute?: number
  /** access_token lifetime (default 7200). */
  tokenTtlSec?: number
  /** JSON snapshot: loaded on create, saved debounced on change and on close(). */
  stateFile?: string
  /** Unexpected errors (bugs, failed snapshot writes); default console.error. */
  onError?: (err: unknown, where: string) => void
}

export interface Sandbox {
  /** Mount at /sandbox: serves /wecom/cgi-bin/… (the API), /wecom/qr/… (pages), /oa/… (the OA API and authorize page) and /control/… */
  router: Router
  state: SandboxState
  /** The control API's actions, callable in-process. */
  control: Control
  context: SandboxContext
  /** The SMS emulator (its world holds the 状态回调 URL). */
  sms: SmsEmulator
  close(): Promise<void>
}

export function createSandbox(opts: SandboxOptions): Sandbox {
  const clock = opts.clock ?? systemClock
  const onError = opts.onError ?? ((err: unknown, where: string) => console.error(`[sandbox] ${where}:`, err))
  const state = new SandboxState()
  let writer: SnapshotWriter | null = null
  const ctx: SandboxContext = {
    state,
    clock,
    publicBaseUrl: opts.publicBaseUrl.replace(/\/+$/, ''),
    tokenTtlSec: opts.tokenTtlSec ?? 7200,
    faults: new Faults(),
    limiter: new RateLimiter(opts.rateLimitPerMinute ?? 10_000),
    counters: new Counters(),
    callbacks: new CallbackSender({
      clock,
      log: state.logs.callbacks,
      timeoutMs: opts.callbackTimeoutMs ?? 5000,
      retryDelayMs: opts.callbackRetryDelayMs ?? 1000,
    }),
    changed: () => writer?.schedule(),
    hanging: new Set(),
    onError,
  }

  let loaded = false
  if (opts.stateFile) {
    try {
      const snap = loadSnapshotFile(opts.stateFile)
      if (snap) {
        restore(state, snap)
        loaded = true
      }
    } catch (err) {
      // Keep the unreadable file for inspection instead of overwriting it with the next save.
      onError(err, `snapshot ${opts.stateFile} is unreadable; starting fresh`)
      try {
        renameSync(opts.stateFile, `${opts.stateFile}.corrupt`)
      } catch {
        // nothing to keep
      }
    }
    writer = new SnapshotWriter(
      opts.stateFile,
      () => snapshot(state, clock.now()),
      (err) => onError(err, 'snapshot write'),
    )
  }
  if (!loaded && (opts.seed ?? 'demo') === 'demo') seedDemo(ctx)

  const control = createControl(ctx, { seed: opts.seed ?? 'demo' })
  const router = Router()
  router.use('/wecom', wecomRouter(ctx))
  const sms = mountSms(router, ctx)
  router.use('/oa', oaRouter(ctx))
  router.use('/control', controlRouter(control, onError))
  router.get('/', (_req: Request, res: Response) => {
    res.json({
      sandbox: 'WeCom emulator',
      wecom_api_base: `${ctx.publicBaseUrl}/sandbox/wecom`,
      oa_api_base: `${ctx.publicBaseUrl}/sandbox/oa`,
      control: `${ctx.publicBaseUrl}/sandbox/control`,
      corps: control.listCorps().map((c) => ({ corpid: c.corpid, name: c.name })),
    })
  })

  return {
    router,
    state,
    control,
    context: ctx,
    sms,
    async close() {
      await ctx.callbacks.close()
      for (const res of ctx.hanging) res.socket?.destroy()
      ctx.hanging.clear()
      await writer?.flush()
    },
  }
}
