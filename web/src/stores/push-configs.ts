// 推送配置: paged list, create/edit/delete, and the org's employees to attach (with their bound status).
import { ref } from 'vue'
import { defineStore } from 'pinia'
import { trpc, type RouterInputs, type RouterOutputs } from '../trpc'
import { optionalText, usePagedList } from '../utils/paged-list'

export type PushConfigRow = RouterOutputs['pushConfigs']['list']['items'][number]
export type EmployeeOption = RouterOutputs['employees']['list']['items'][number]

export const usePushConfigsStore = defineStore('push-configs', () => {
  const list = usePagedList(
    (paging, f) => trpc.pushConfigs.list.query({ ...paging, q: optionalText(f.q) }),
    () => ({ q: '' }),
  )
  const saving = ref(false)

  async function run<T>(call: () => Promise<T>): Promise<T> {
    saving.value = true
    try {
      const res = await call()
      await list.load()
      return res
    } finally {
      saving.value = false
    }
  }

  const create = (input: RouterInputs['pushConfigs']['create']) => run(() => trpc.pushConfigs.create.mutate(input))
  const update = (input: RouterInputs['pushConfigs']['update']) => run(() => trpc.pushConfigs.update.mutate(input))
  const remove = (id: number) => run(() => trpc.pushConfigs.remove.mutate({ id }))

  /** Every employee of the org for the picker (a clinic has tens, not thousands: the list's page cap is enough). */
  async function employeeOptions(): Promise<EmployeeOption[]> {
    const out: EmployeeOption[] = []
    for (let page = 1; page <= 10; page++) {
      const res = await trpc.employees.list.query({ page, pageSize: 100 })
      out.push(...res.items)
      if (out.length >= res.total) break
    }
    return out
  }

  return { ...list, saving, create, update, remove, employeeOptions }
})
