// 标签: tag groups with their tags and customer counts (WeCom corp tags mirrored, CRM-only tags), and their edits.
import { computed, ref, shallowRef } from 'vue'
import { defineStore } from 'pinia'
import { trpc, type RouterInputs, type RouterOutputs } from '../trpc'
import { useAuthStore } from './auth'

export type TagGroup = RouterOutputs['tags']['list'][number]
export type TagItem = TagGroup['tags'][number]
export type TagWithGroup = TagItem & { groupName: string }

export const useTagsStore = defineStore('tags', () => {
  const auth = useAuthStore()
  const groups = shallowRef<TagGroup[]>([])
  const loading = ref(false)
  const syncing = ref(false)
  const saving = ref(false)
  /** The org the groups belong to: pickers reuse them, an org switch loads them again. */
  const loadedFor = ref<number | null>(null)

  const wecomGroups = computed(() => groups.value.filter((g) => g.source === 'wecom'))
  const crmGroups = computed(() => groups.value.filter((g) => g.source === 'crm'))
  /** Local tag id → tag with its group name, for chips that only carry ids. */
  const byId = computed(() => {
    const m = new Map<number, TagWithGroup>()
    for (const g of groups.value) for (const t of g.tags) m.set(t.id, { ...t, groupName: g.name })
    return m
  })
  /** WeCom tag id (what a contact way stores) → tag. */
  const byWecomId = computed(() => {
    const m = new Map<string, TagWithGroup>()
    for (const t of byId.value.values()) if (t.tagId) m.set(t.tagId, t)
    return m
  })

  /** `force` reloads even if this org's groups are here; `silent` keeps the loading mask off. */
  async function load(opts: { force?: boolean; silent?: boolean } = {}): Promise<void> {
    const org = auth.actingOrgId
    if (!opts.force && org !== null && loadedFor.value === org) return
    if (loadedFor.value !== org) groups.value = []
    if (!opts.silent) loading.value = true
    try {
      groups.value = await trpc.tags.list.query()
      loadedFor.value = org
    } finally {
      loading.value = false
    }
  }

  /** 「同步企业微信标签」: WeCom's corp tag list mirrored locally, then reloaded. */
  async function refresh(): Promise<{ groups: number; tags: number }> {
    syncing.value = true
    try {
      const res = await trpc.tags.refresh.mutate()
      await load({ force: true, silent: true })
      return res
    } finally {
      syncing.value = false
    }
  }

  async function run<T>(call: () => Promise<T>): Promise<T> {
    saving.value = true
    try {
      const res = await call()
      await load({ force: true, silent: true })
      return res
    } finally {
      saving.value = false
    }
  }

  const createGroup = (input: RouterInputs['tags']['createGroup']) => run(() => trpc.tags.createGroup.mutate(input))
  const addTags = (input: RouterInputs['tags']['addTags']) => run(() => trpc.tags.addTags.mutate(input))
  const rename = (input: RouterInputs['tags']['rename']) => run(() => trpc.tags.rename.mutate(input))
  const remove = (input: RouterInputs['tags']['remove']) => run(() => trpc.tags.remove.mutate(input))

  return { groups, loading, syncing, saving, wecomGroups, crmGroups, byId, byWecomId, load, refresh, createGroup, addTags, rename, remove }
})
