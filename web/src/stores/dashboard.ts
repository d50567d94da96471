// 概览: a few customer numbers of the acting org, read from the list procedures' totals (no stats procedure yet).
import { ref } from 'vue'
import { defineStore } from 'pinia'
import { trpc } from '../trpc'

export interface CustomerNumbers {
  total: number
  addedToday: number
  /** Relations customers ended since Monday 00:00; `lostWeekCapped` when more than one page of them. */
  lostThisWeek: number
  lostWeekCapped: boolean
}

const LOST_SCAN = 100

function startOfToday(now = new Date()): number {
  return new Date(now.getFullYear(), now.getMonth(), now.getDate()).getTime()
}
function startOfWeek(now = new Date()): number {
  const day = (now.getDay() + 6) % 7 // Monday = 0
  return new Date(now.getFullYear(), now.getMonth(), now.getDate() - day).getTime()
}

export const useDashboardStore = defineStore('dashboard', () => {
  const numbers = ref<CustomerNumbers | null>(null)
  const loading = ref(false)

  async function load(): Promise<void> {
    loading.value = true
    try {
      const weekStart = startOfWeek()
      const [all, today, lost] = await Promise.all([
        trpc.customers.list.query({ page: 1, pageSize: 1 }),
        trpc.customers.list.query({ page: 1, pageSize: 1, addedFrom: startOfToday() }),
        // Newest first: the rows lost this week are at the front.
        trpc.customers.lost.query({ page: 1, pageSize: LOST_SCAN }),
      ])
      const lostThisWeek = lost.items.filter((r) => r.lostAt !== null && r.lostAt >= weekStart).length
      numbers.value = {
        total: all.total,
        addedToday: today.total,
        lostThisWeek,
        lostWeekCapped: lostThisWeek === LOST_SCAN && lost.total > LOST_SCAN,
      }
    } finally {
      loading.value = false
    }
  }

  return { numbers, loading, load }
})
