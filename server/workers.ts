// Registers every queue handler of the product with the queue (one line per domain).
import type { Deps } from './deps'
import { registerCallbackWorker } from './modules/callbacks/dispatch'
import { registerNotificationWorkers } from './modules/notifications/notifications.workers'
import { registerBroadcastWorker } from './modules/broadcasts/broadcasts.worker'
import { registerCustomerBatchWorker } from './modules/customers/customers.batch'
import { registerLostCustomerWorker } from './modules/lost-customers/lost-customers.worker'

export function registerWorkers(deps: Deps): void {
  registerCallbackWorker(deps)
  registerNotificationWorkers(deps)
  registerBroadcastWorker(deps)
  registerCustomerBatchWorker(deps)
  registerLostCustomerWorker(deps)
}
