// 概览: the acting org's customer numbers (from the list procedures' totals, so they match the lists) and the panels of dashboard.overview.
import { ref, shallowRef } from 'vue'
import { defineStore } from 'pinia'
import { trpc, type RouterOutputs } from '../trpc'

export interface CustomerNumbers {
  total: number
  addedToday: number
  /** Relations ended (by either side) since Monday 00:00, as the 流失客户 tab counts them. */
  lostThisWeek: number
}

export type DashboardOverview = RouterOutputs['dashboard']['overview']

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
  const overview = shallowRef<DashboardOverview | null>(null)
  const overviewLoading = ref(false)
  const days = ref<7 | 30 | 90>(30)
  let overviewRequest = 0

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

  /** The charts and rankings; a later call (another window picked) wins over one still in flight. */
  async function loadOverview(): Promise<void> {
    const mine = ++overviewRequest
    overviewLoading.value = true
    try {
      const o = await trpc.dashboard.overview.query({ days: days.value })
      if (mine === overviewRequest) overview.value = o
    } finally {
      if (mine === overviewRequest) overviewLoading.value = false
    }
  }

  return { numbers, loading, load, overview, overviewLoading, days, loadOverview }
})
