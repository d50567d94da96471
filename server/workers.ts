// Registers every queue handler of the product with the queue (one line per domain).
import type { Deps } from './deps'
import { registerCallbackWorker } from './modules/callbacks/dispatch'
import { registerBroadcastWorker } from './modules/broadcasts/broadcasts.worker'

export function registerWorkers(deps: Deps): void {
  registerCallbackWorker(deps)
  registerBroadcastWorker(deps)
}
