// The durable queue as the admin sees it: counts per status, rows by status, retry of dead rows.
import { ref } from 'vue'
import { defineStore } from 'pinia'
import type { QUEUE_STATUSES } from '../../../shared/enums'
import { trpc, type RouterOutputs } from '../trpc'
import { optionalText, usePagedList } from '../utils/paged-list'
import { notifyError } from '../utils/notify'

export type QueueStatus = (typeof QUEUE_STATUSES)[number]
export type QueueRow = RouterOutputs['queue']['list']['items'][number]
export type QueueStats = RouterOutputs['queue']['stats']

export const useQueueStore = defineStore('queue', () => {
  const list = usePagedList(
    (paging, f) => trpc.queue.list.query({ ...paging, status: f.status || undefined, kind: optionalText(f.kind) }),
    () => ({ status: 'dead' as QueueStatus | '', kind: '' }),
  )
  const stats = ref<QueueStats | null>(null)
  const retrying = ref<number | 'all' | null>(null)

  async function loadStats(): Promise<void> {
    try {
      stats.value = await trpc.queue.stats.query()
    } catch (err) {
      notifyError(err)
    }
  }

  function refresh(opts: { silent?: boolean } = {}): Promise<unknown> {
    return Promise.all([loadStats(), list.load(opts)])
  }

  async function retry(id: number): Promise<void> {
    retrying.value = id
    try {
      await trpc.queue.retry.mutate({ id })
      await refresh()
    } finally {
      retrying.value = null
    }
  }

  /** Puts every dead row of the org back to pending; returns how many. */
  async function retryAllDead(): Promise<number> {
    retrying.value = 'all'
    try {
      const { count } = await trpc.queue.retryAllDead.mutate()
      await refresh()
      return count
    } finally {
      retrying.value = null
    }
  }

  return { ...list, stats, retrying, loadStats, refresh, retry, retryAllDead }
})
