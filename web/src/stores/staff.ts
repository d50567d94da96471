// 员工: the org's WeCom members with customer contact (wecomConfig.staff), for the 员工 page and every staff picker.
import { computed, ref, shallowRef } from 'vue'
import { defineStore } from 'pinia'
import { trpc, type RouterOutputs } from '../trpc'
import { useAuthStore } from './auth'

export type StaffRow = RouterOutputs['wecomConfig']['staff'][number]

export const useStaffStore = defineStore('staff', () => {
  const auth = useAuthStore()
  const items = shallowRef<StaffRow[]>([])
  const loading = ref(false)
  const syncing = ref(false)
  /** The org the list belongs to: pickers reuse it, an org switch loads it again. */
  const loadedFor = ref<number | null>(null)
  let inFlight: Promise<void> | null = null

  /** userid → display name, for tables that only carry userids. */
  const nameOf = computed(() => {
    const m = new Map(items.value.map((s) => [s.userid, s.name]))
    return (userid: string | null | undefined) => (userid ? (m.get(userid) ?? userid) : '—')
  })
  /** Picker options: "张丽（ZhangLi）" when the name differs from the userid. */
  const options = computed(() =>
    items.value.map((s) => ({ value: s.userid, label: s.name && s.name !== s.userid ? `${s.name}（${s.userid}）` : s.userid })),
  )

  /** Loads once per org (pickers on several pages share it); `force` asks again. */
  function load(force = false): Promise<void> {
    const org = auth.actingOrgId
    if (!force && org !== null && loadedFor.value === org) return Promise.resolve()
    if (loadedFor.value !== org) items.value = []
    inFlight ??= (async () => {
      loading.value = true
      try {
        items.value = await trpc.wecomConfig.staff.query()
        loadedFor.value = org
      } finally {
        loading.value = false
        inFlight = null
      }
    })()
    return inFlight
  }

  /** 「同步成员」: the connection test syncs the member list; the answer says how many (or why not). */
  async function sync(): Promise<RouterOutputs['wecomConfig']['test']> {
    syncing.value = true
    try {
      const res = await trpc.wecomConfig.test.mutate()
      await load(true)
      return res
    } finally {
      syncing.value = false
    }
  }

  return { items, loading, syncing, nameOf, options, load, sync }
})
