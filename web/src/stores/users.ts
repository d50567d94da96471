// Accounts of the current org: paged list, create, edit, enable/disable, reset password.
import { ref } from 'vue'
import { defineStore } from 'pinia'
import { trpc, type RouterInputs, type RouterOutputs } from '../trpc'
import { optionalText, usePagedList } from '../utils/paged-list'

export type UserRow = RouterOutputs['users']['list']['items'][number]

export const useUsersStore = defineStore('users', () => {
  const list = usePagedList(
    (paging, f) => trpc.users.list.query({ ...paging, q: optionalText(f.q) }),
    () => ({ q: '' }),
  )
  const saving = ref(false)

  async function run<T>(call: () => Promise<T>, reload: () => Promise<void>): Promise<T> {
    saving.value = true
    try {
      const res = await call()
      await reload()
      return res
    } finally {
      saving.value = false
    }
  }

  const create = (input: RouterInputs['users']['create']) => run(() => trpc.users.create.mutate(input), list.search)
  const update = (input: RouterInputs['users']['update']) => run(() => trpc.users.update.mutate(input), list.load)
  const resetPassword = (input: RouterInputs['users']['resetPassword']) =>
    run(
      () => trpc.users.resetPassword.mutate(input),
      async () => {},
    )

  return { ...list, saving, create, update, resetPassword }
})
