// 联系我: the paged list of contact ways (search by channel/state/remark), create/edit/delete, presets, daily stats, sandbox scan.
import { ref } from 'vue'
import { defineStore } from 'pinia'
import { trpc, type RouterInputs, type RouterOutputs } from '../trpc'
import { optionalText, usePagedList } from '../utils/paged-list'

export type ContactWayRow = RouterOutputs['contactWays']['list']['items'][number]
export type ContactWayStats = RouterOutputs['contactWays']['stats']
export type ChannelPreset = RouterOutputs['contactWays']['presets'][number]
export type ScanResult = RouterOutputs['contactWays']['simulateScan']

export const useContactWaysStore = defineStore('contactWays', () => {
  const list = usePagedList(
    (paging, f) =>
      trpc.contactWays.list.query({
        ...paging,
        q: optionalText(f.q),
        type: f.type || undefined,
        isTemp: f.isTemp === 'all' ? undefined : f.isTemp === 'temp',
      }),
    () => ({ q: '', type: 0 as 0 | 1 | 2, isTemp: 'all' as 'all' | 'temp' | 'normal' }),
  )
  const saving = ref(false)
  const presets = ref<ChannelPreset[]>([])
  /** Row ids with a delete / scan in flight. */
  const removing = ref<number | null>(null)
  const scanning = ref<number | null>(null)
  /** Set when the server answered that simulateScan needs the sandbox: the button is hidden from then on. */
  const sandboxOff = ref(false)

  async function loadPresets(): Promise<void> {
    presets.value = await trpc.contactWays.presets.query()
  }

  /** `signal`: the dialog was closed while WeCom was being asked; the server sends nothing more once it aborts. */
  async function create(input: RouterInputs['contactWays']['create'], signal?: AbortSignal): Promise<ContactWayRow> {
    saving.value = true
    try {
      const way = await trpc.contactWays.create.mutate(input, { signal })
      await list.search()
      return way
    } finally {
      saving.value = false
    }
  }

  async function update(input: RouterInputs['contactWays']['update'], signal?: AbortSignal): Promise<ContactWayRow> {
    saving.value = true
    try {
      const way = await trpc.contactWays.update.mutate(input, { signal })
      await list.load({ silent: true })
      return way
    } finally {
      saving.value = false
    }
  }

  async function remove(id: number): Promise<RouterOutputs['contactWays']['remove']> {
    removing.value = id
    try {
      const res = await trpc.contactWays.remove.mutate({ id })
      await list.load()
      return res
    } finally {
      removing.value = null
    }
  }

  function get(id: number): Promise<ContactWayRow> {
    return trpc.contactWays.get.query({ id })
  }

  /** Added/lost per day within [from, to] (epoch ms, inclusive). */
  function stats(input: RouterInputs['contactWays']['stats']): Promise<ContactWayStats> {
    return trpc.contactWays.stats.query(input)
  }

  async function simulateScan(input: RouterInputs['contactWays']['simulateScan']): Promise<ScanResult> {
    scanning.value = input.id
    try {
      return await trpc.contactWays.simulateScan.mutate(input)
    } catch (err) {
      if ((err as { data?: { code?: string } }).data?.code === 'FORBIDDEN') sandboxOff.value = true
      throw err
    } finally {
      scanning.value = null
    }
  }

  return { ...list, saving, presets, removing, scanning, sandboxOff, loadPresets, create, update, remove, get, stats, simulateScan }
})
