// The Tencent Cloud SMS emulator: the API under /sandbox/sms, its control API under /sandbox/control/sms.
import type { ServerResponse } from 'node:http'
import type { Router } from 'express'
import type { Clock } from '../../lib/clock'
import { ReportSender } from './reports'
import { smsApiRouter, smsControlRouter } from './router'
import { seedSms } from './seed'
import { SmsWorld } from './state'

export { DEMO_SMS } from './seed'
export type { SmsWorld } from './state'

export interface SmsEmulator {
  world: SmsWorld
  /** mount at /sandbox/sms (the SDK's endpoint is then `<host>/sandbox/sms`) */
  api: Router
  /** mount under the token-protected /sandbox/control, at /sandbox/control/sms */
  control: Router
  /** resolves once no delivery report is in flight */
  idle(): Promise<void>
}

export interface SmsEmulatorOptions {
  clock: Clock
  reportTimeoutMs?: number
  seed?: 'demo' | 'none'
  /** where hang faults park their responses (the sandbox's, destroyed on close) */
  hanging?: Set<ServerResponse>
}

export function createSmsEmulator(opts: SmsEmulatorOptions): SmsEmulator {
  const world = new SmsWorld()
  if ((opts.seed ?? 'demo') === 'demo') seedSms(world)
  const reports = new ReportSender(world, opts.reportTimeoutMs ?? 5000)
  return {
    world,
    api: smsApiRouter(world, opts.clock, reports, opts.hanging ?? new Set()),
    control: smsControlRouter(world, reports),
    idle: () => reports.idle(),
  }
}

/** Mounts the emulator on the sandbox router; call it before the /control router so /control/sms is not shadowed. */
export function mountSms(router: Router, ctx: { clock: Clock; hanging: Set<ServerResponse> }): SmsEmulator {
  const sms = createSmsEmulator({ clock: ctx.clock, hanging: ctx.hanging })
  router.use('/sms', sms.api)
  router.use('/control/sms', sms.control)
  return sms
}
