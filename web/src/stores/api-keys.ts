// API 密钥: list, create (the secret is kept only until the dialog closes), revoke, and the demo's 模拟外呼.
import { ref } from 'vue'
import { defineStore } from 'pinia'
import { trpc, type RouterOutputs } from '../trpc'
import { notifyError } from '../utils/notify'

export type ApiKeyRow = RouterOutputs['apiKeys']['list'][number]
export type ApiKeyCreated = RouterOutputs['apiKeys']['create']
export type SimulateResult = RouterOutputs['ingest']['simulate']

export const useApiKeysStore = defineStore('api-keys', () => {
  const items = ref<ApiKeyRow[]>([])
  const loading = ref(false)
  const saving = ref(false)
  /** Set when the server answered that 模拟外呼 needs demo mode: the button is hidden from then on. */
  const sandboxOff = ref(false)

  async function load(): Promise<void> {
    loading.value = true
    try {
      items.value = await trpc.apiKeys.list.query()
    } catch (err) {
      notifyError(err)
    } finally {
      loading.value = false
    }
  }

  async function run<T>(call: () => Promise<T>): Promise<T> {
    saving.value = true
    try {
      const res = await call()
      await load()
      return res
    } finally {
      saving.value = false
    }
  }

  const create = (name: string) => run(() => trpc.apiKeys.create.mutate({ name }))
  const revoke = (id: number) => run(() => trpc.apiKeys.revoke.mutate({ id }))
  async function simulate(calls: number) {
    try {
      return await run(() => trpc.ingest.simulate.mutate({ calls }))
    } catch (err) {
      if ((err as { data?: { code?: string } }).data?.code === 'PRECONDITION_FAILED') sandboxOff.value = true
      throw err
    }
  }

  return { items, loading, saving, sandboxOff, load, create, revoke, simulate }
})
