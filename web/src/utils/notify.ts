// Toasts for failed and successful calls; an expired session is left to the redirect to /login.
import { errorMessage, isUnauthorized } from '../trpc'

export function notifyError(err: unknown): void {
  if (isUnauthorized(err)) return
  ElMessage.error({ message: errorMessage(err), grouping: true, showClose: true })
}

export function notifySuccess(message: string): void {
  ElMessage.success({ message, grouping: true })
}
