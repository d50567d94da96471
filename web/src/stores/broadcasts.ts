// 群发: the paged broadcast list, one broadcast's results, the composer's recipient preview, and the send/remind/cancel actions.
import { ref, shallowRef } from 'vue'
import { defineStore } from 'pinia'
import type { BroadcastStatus } from '../../../shared/schemas/broadcast'
import { trpc, type RouterInputs, type RouterOutputs } from '../trpc'
import { usePagedList } from '../utils/paged-list'

export type BroadcastRow = RouterOutputs['broadcasts']['list']['items'][number]
export type BroadcastDetail = RouterOutputs['broadcasts']['get']
export type BroadcastPreview = RouterOutputs['broadcasts']['preview']
export type BroadcastSaveInput = RouterInputs['broadcasts']['create']
export type BroadcastTargetsInput = RouterInputs['broadcasts']['preview']['targets']

export const useBroadcastsStore = defineStore('broadcasts', () => {
  const list = usePagedList(
    (paging, f) => trpc.broadcasts.list.query({ ...paging, status: f.status || undefined }),
    () => ({ status: '' as '' | BroadcastStatus }),
  )
  const detail = shallowRef<BroadcastDetail | null>(null)
  const detailLoading = ref(false)
  const acting = ref<string | null>(null)
  let detailRequest = 0

  async function loadDetail(id: number, opts: { silent?: boolean } = {}): Promise<void> {
    const mine = ++detailRequest
    if (!opts.silent) detailLoading.value = true
    try {
      const d = await trpc.broadcasts.get.query({ id })
      if (mine === detailRequest) detail.value = d
    } finally {
      if (mine === detailRequest) detailLoading.value = false
    }
  }

  /** Runs one action on a broadcast, then reloads it and the list. */
  async function act<T>(key: string, id: number, call: () => Promise<T>): Promise<T> {
    acting.value = key
    try {
      const res = await call()
      await Promise.all([loadDetail(id, { silent: true }), list.load({ silent: true })])
      return res
    } finally {
      acting.value = null
    }
  }

  const preview = (input: RouterInputs['broadcasts']['preview']) => trpc.broadcasts.preview.query(input)

  async function save(input: BroadcastSaveInput & { id?: number }, sendNow: boolean): Promise<number> {
    acting.value = 'save'
    try {
      let id = input.id
      if (id) await trpc.broadcasts.update.mutate({ ...input, id })
      else id = (await trpc.broadcasts.create.mutate(input)).id
      if (sendNow) await trpc.broadcasts.send.mutate({ id })
      await list.search()
      return id
    } finally {
      acting.value = null
    }
  }

  const conversion = (input: RouterInputs['broadcasts']['conversion']) => trpc.broadcasts.conversion.query(input)
  const uploadImage = (input: RouterInputs['broadcasts']['uploadImage']) => trpc.broadcasts.uploadImage.mutate(input)
  const csvTargets = (base64: string) => trpc.broadcasts.csvTargets.mutate({ base64 })
  const send = (id: number) => act('send', id, () => trpc.broadcasts.send.mutate({ id }))
  const cancel = (id: number) => act('cancel', id, () => trpc.broadcasts.cancel.mutate({ id }))
  const remind = (id: number) => act('remind', id, () => trpc.broadcasts.remind.mutate({ id }))
  const refreshResults = (id: number) => act('refresh', id, () => trpc.broadcasts.refreshResults.mutate({ id }))
  const notifyUnconfirmed = (id: number) => act('notify', id, () => trpc.broadcasts.notifyUnconfirmed.mutate({ id }))
  const simulateConfirm = (id: number) => act('simulate', id, () => trpc.broadcasts.simulateConfirm.mutate({ id }))

  return {
    ...list,
    detail,
    detailLoading,
    acting,
    loadDetail,
    preview,
    save,
    uploadImage,
    csvTargets,
    conversion,
    send,
    cancel,
    remind,
    refreshResults,
    simulateConfirm,
    notifyUnconfirmed,
  }
})
