// Tenant management for the platform operator: the paged org list and the header's org options.
import { ref } from 'vue'
import { defineStore } from 'pinia'
import { trpc, type RouterInputs, type RouterOutputs } from '../trpc'
import { optionalText, usePagedList } from '../utils/paged-list'

export type OrgRow = RouterOutputs['orgs']['list']['items'][number]
export type OrgOption = RouterOutputs['orgs']['options'][number]
export type OrgStatus = OrgRow['status']

export const useOrgsStore = defineStore('orgs', () => {
  const list = usePagedList(
    (paging, f) => trpc.orgs.list.query({ ...paging, q: optionalText(f.q) }),
    () => ({ q: '' }),
  )
  const options = ref<OrgOption[]>([])
  const optionsLoading = ref(false)
  const saving = ref(false)

  async function loadOptions(): Promise<void> {
    optionsLoading.value = true
    try {
      options.value = await trpc.orgs.options.query()
    } finally {
      optionsLoading.value = false
    }
  }

  async function create(input: RouterInputs['orgs']['create']): Promise<{ id: number }> {
    saving.value = true
    try {
      const res = await trpc.orgs.create.mutate(input)
      await Promise.all([list.search(), loadOptions()])
      return res
    } finally {
      saving.value = false
    }
  }

  async function update(input: RouterInputs['orgs']['update']): Promise<void> {
    saving.value = true
    try {
      await trpc.orgs.update.mutate(input)
      await Promise.all([list.load(), loadOptions()])
    } finally {
      saving.value = false
    }
  }

  return { ...list, options, optionsLoading, saving, loadOptions, create, update }
})
