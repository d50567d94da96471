// What every part of the sandbox shares: state, clock, settings, faults, meters and the callback sender.
import type { ServerResponse } from 'node:http'
import type { Clock } from '../lib/clock'
import type { CallbackSender } from './callbacks'
import type { Faults } from './faults'
import type { Counters, RateLimiter } from './metering'
import type { SandboxState } from './state'

export interface SandboxContext {
  state: SandboxState
  clock: Clock
  /** e.g. http://127.0.0.1:3000 — the sandbox itself is under `${publicBaseUrl}/sandbox` */
  publicBaseUrl: string
  tokenTtlSec: number
  faults: Faults
  limiter: RateLimiter
  counters: Counters
  callbacks: CallbackSender
  /** Marks the state dirty so the snapshot (if any) is saved soon. */
  changed(): void
  /** Responses held open by a 'hang' fault; destroyed on close so the process can exit. */
  hanging: Set<ServerResponse>
  onError(err: unknown, where: string): void
}

/** Absolute URL of a sandbox path ('/wecom/qr/x.png' → 'http://host/sandbox/wecom/qr/x.png'). */
export function sandboxUrl(ctx: SandboxContext, path: string): string {
  return `${ctx.publicBaseUrl}/sandbox${path}`
}
