// Repeats a refresh while a condition holds (e.g. a job run is in progress); stops with the component.
import { onBeforeUnmount, watch } from 'vue'

/**
 * Calls `refresh` every `intervalMs` while `active()` is true. The next call is armed only after the
 * previous one finished, so slow answers never pile up.
 */
export function usePoll(refresh: () => Promise<unknown>, active: () => boolean, intervalMs = 1000): void {
  let timer: ReturnType<typeof setTimeout> | null = null
  let stopped = false

  const arm = () => {
    if (timer || stopped || !active()) return
    timer = setTimeout(async () => {
      try {
        await refresh()
      } catch {
        // The refresh shows its own errors; polling just tries again.
      } finally {
        timer = null
        arm()
      }
    }, intervalMs)
  }

  watch(active, (on) => on && arm(), { immediate: true })
  onBeforeUnmount(() => {
    stopped = true
    if (timer) clearTimeout(timer)
  })
}
