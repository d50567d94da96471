// 概览: a few customer numbers of the acting org, read from the list procedures' totals (no stats procedure yet).
import { ref } from 'vue'
import { defineStore } from 'pinia'
import { trpc } from '../trpc'

export interface CustomerNumbers {
  total: number
  addedToday: number
  /** Relations ended (by either side) since Monday 00:00, as the 流失客户 tab counts them. */
  lostThisWeek: number
}

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
        // The 流失客户 tab's own count (either side ending the relation) since Monday.
        trpc.lostCustomers.list.query({ page: 1, pageSize: 1, from: weekStart }),
      ])
      numbers.value = { total: all.total, addedToday: today.total, lostThisWeek: lost.total }
    } finally {
      loading.value = false
    }
  }

  return { numbers, loading, load }
})
