// 客户同步: the org's 上次同步 with live progress, 立即同步 and the nightly schedule setting.
import { ref } from 'vue'
import { defineStore } from 'pinia'
import { trpc, type RouterOutputs } from '../trpc'

export type SyncStatus = RouterOutputs['customers']['syncStatus']

const POLL_MS = 2000

export const useCustomerSyncStore = defineStore('customer-sync', () => {
  const status = ref<SyncStatus | null>(null)
  const starting = ref(false)
  const saving = ref(false)
  let timer: ReturnType<typeof setTimeout> | null = null
  /** Called when a run this page watched finishes, so the list can reload. */
  let onFinished: (() => void) | null = null

  async function load(): Promise<void> {
    const wasRunning = status.value?.running ?? false
    status.value = await trpc.customers.syncStatus.query()
    if (wasRunning && !status.value.running) onFinished?.()
    schedule()
  }

  function schedule(): void {
    if (timer) clearTimeout(timer)
    timer = null
    if (status.value?.running) timer = setTimeout(() => void load().catch(() => schedule()), POLL_MS)
  }

  function watch(finished: () => void): void {
    onFinished = finished
  }

  function stop(): void {
    if (timer) clearTimeout(timer)
    timer = null
    onFinished = null
  }

  async function syncNow(): Promise<void> {
    starting.value = true
    try {
      await trpc.customers.syncNow.mutate()
      await load()
    } finally {
      starting.value = false
    }
  }

  async function saveSettings(input: { enabled: boolean; hour: number }): Promise<void> {
    saving.value = true
    try {
      status.value = await trpc.customers.syncSettings.mutate(input)
      schedule()
    } finally {
      saving.value = false
    }
  }

  return { status, starting, saving, load, watch, stop, syncNow, saveSettings }
})
