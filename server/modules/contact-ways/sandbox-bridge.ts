// Hands the in-process sandbox's control API to contactWays.simulateScan, keyed by deps, without importing the sandbox instance.
import type { Deps } from '../../deps'
import type { Control } from '../../sandbox/index'

/** All simulateScan needs: acting as a customer who scans a QR code. */
export type SandboxScanControl = Pick<Control, 'scan'>

// A WeakMap, not a module global: every test world (deps) has its own sandbox, and a dropped deps frees it.
const controls = new WeakMap<Deps, SandboxScanControl>()

/** Called where the sandbox is created (main.ts, tests) with `sandbox.control`. */
export function attachSandboxControl(deps: Deps, control: SandboxScanControl): void {
  controls.set(deps, control)
}

export function getSandboxControl(deps: Deps): SandboxScanControl | undefined {
  return controls.get(deps)
}
