// 客户: the filtered, sorted, paged customer list, the 流失客户 list, one customer's profile and its remark/tag edits.
import { ref, shallowRef } from 'vue'
import { defineStore } from 'pinia'
import type { CustomerExportFilter, CustomerListInput } from '../../../shared/schemas/customer'
import { trpc, type RouterInputs, type RouterOutputs } from '../trpc'
import { optionalText, usePagedList } from '../utils/paged-list'

export type CustomerRow = RouterOutputs['customers']['list']['items'][number]
export type CustomerDetail = RouterOutputs['customers']['get']
export type CustomerFollow = CustomerDetail['follows'][number]
export type ChannelOption = RouterOutputs['customers']['channels'][number]
export type CustomerSort = `${CustomerListInput['sortBy']}:${CustomerListInput['sortOrder']}`

const DAY_MS = 86_400_000

interface ListFilters {
  q: string
  channel: string
  tagIds: number[]
  tagMode: 'any' | 'all'
  followUserid: string
  added: [number, number] | null
  status: '' | 'active' | 'lost'
  gender: '' | 0 | 1 | 2
}

function filterInput(f: ListFilters): CustomerExportFilter {
  return {
    q: optionalText(f.q),
    channel: f.channel || undefined,
    tagIds: f.tagIds.length ? f.tagIds : undefined,
    tagMode: f.tagMode,
    followUserid: f.followUserid || undefined,
    // Date picker days in the browser's zone; the end day is included up to its last millisecond.
    addedFrom: f.added ? Number(f.added[0]) : undefined,
    addedTo: f.added ? Number(f.added[1]) + DAY_MS - 1 : undefined,
    status: f.status || undefined,
    gender: f.gender === '' ? undefined : f.gender,
  }
}

export const useCustomersStore = defineStore('customers', () => {
  /** False when the list has more matches than its total says (shown as 「10 000+」). */
  const totalExact = ref(true)
  const list = usePagedList(
    async (paging, f) => {
      const [sortBy, sortOrder] = f.sort.split(':') as [CustomerListInput['sortBy'], CustomerListInput['sortOrder']]
      const res = await trpc.customers.list.query({ ...paging, ...filterInput(f), sortBy, sortOrder })
      totalExact.value = res.totalExact
      return res
    },
    () => ({
      q: '',
      channel: '',
      tagIds: [] as number[],
      tagMode: 'any' as 'any' | 'all',
      followUserid: '',
      added: null as [number, number] | null,
      status: '' as '' | 'active' | 'lost',
      gender: '' as '' | 0 | 1 | 2,
      sort: 'firstAddedAt:desc' as CustomerSort,
    }),
  )
  /** The current filters as the server takes them (the list and the export use the same). */
  const currentFilter = () => filterInput(list.filters)
  const channels = ref<ChannelOption[]>([])

  const detail = shallowRef<CustomerDetail | null>(null)
  const detailLoading = ref(false)
  /** "remark:<userid>", "tags:<userid>" or "tags:crm" while that edit is being saved. */
  const savingKey = ref<string | null>(null)
  let detailRequest = 0

  async function loadChannels(): Promise<void> {
    channels.value = await trpc.customers.channels.query()
  }

  /** Opens (or refreshes) a profile; a later call wins over an earlier one still in flight. */
  async function loadDetail(id: number, opts: { silent?: boolean } = {}): Promise<void> {
    const mine = ++detailRequest
    if (!opts.silent) {
      detailLoading.value = true
      if (detail.value?.id !== id) detail.value = null
    }
    try {
      const d = await trpc.customers.get.query({ id })
      if (mine === detailRequest) detail.value = d
    } finally {
      if (mine === detailRequest) detailLoading.value = false
    }
  }

  function closeDetail(): void {
    detailRequest++
    detail.value = null
  }

  async function edit<T>(key: string, id: number, call: () => Promise<T>): Promise<T> {
    savingKey.value = key
    try {
      const res = await call()
      // The profile and the row in the list show the saved value; a failed call changes neither. A failed
      // refresh is not a failed save, so it is not reported as one.
      await Promise.all([loadDetail(id, { silent: true }).catch(() => undefined), list.load({ silent: true })])
      return res
    } finally {
      savingKey.value = null
    }
  }

  const updateRemark = (input: RouterInputs['customers']['updateRemark']) =>
    edit(`remark:${input.userid}`, input.id, () => trpc.customers.updateRemark.mutate(input))
  const updateTags = (input: RouterInputs['customers']['updateTags']) =>
    edit(`tags:${input.userid ?? 'crm'}`, input.id, () => trpc.customers.updateTags.mutate(input))

  return {
    ...list,
    totalExact,
    currentFilter,
    channels,
    detail,
    detailLoading,
    savingKey,
    loadChannels,
    loadDetail,
    closeDetail,
    updateRemark,
    updateTags,
  }
})
