// 群发 extras: automation rules (自动群发) and welcome-message templates (欢迎语模板), with the contact ways they attach to.
import { ref, shallowRef } from 'vue'
import { defineStore } from 'pinia'
import { trpc, type RouterInputs, type RouterOutputs } from '../trpc'

export type RuleRow = RouterOutputs['broadcastRules']['list'][number]
export type WelcomeTemplateRow = RouterOutputs['welcomeTemplates']['list'][number]
export type WayOption = { id: number; channelName: string; state: string }

export const useBroadcastExtrasStore = defineStore('broadcast-extras', () => {
  const rules = shallowRef<RuleRow[]>([])
  const templates = shallowRef<WelcomeTemplateRow[]>([])
  const ways = shallowRef<WayOption[]>([])
  const loading = ref(false)
  const saving = ref(false)

  async function load(): Promise<void> {
    loading.value = true
    try {
      const [r, t, w] = await Promise.all([
        trpc.broadcastRules.list.query(),
        trpc.welcomeTemplates.list.query(),
        trpc.contactWays.list.query({ page: 1, pageSize: 100 }),
      ])
      rules.value = r
      templates.value = t
      ways.value = w.items.map((x) => ({ id: x.id, channelName: x.channelName, state: x.state }))
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

  const createRule = (input: RouterInputs['broadcastRules']['create']) => run(() => trpc.broadcastRules.create.mutate(input))
  const updateRule = (input: RouterInputs['broadcastRules']['update']) => run(() => trpc.broadcastRules.update.mutate(input))
  const runRule = (id: number) => run(() => trpc.broadcastRules.runNow.mutate({ id }))
  const createTemplate = (input: RouterInputs['welcomeTemplates']['create']) => run(() => trpc.welcomeTemplates.create.mutate(input))
  const removeTemplate = (id: number) => run(() => trpc.welcomeTemplates.remove.mutate({ id }))
  const assignTemplate = (input: RouterInputs['welcomeTemplates']['assign']) => run(() => trpc.welcomeTemplates.assign.mutate(input))

  // 生日: a CRM field the birthday rules read; kept beside the rules, not in the customer profile the sync writes.
  const birthdayOf = async (customerId: number) => (await trpc.broadcastRules.birthday.query({ id: customerId })).birthday
  const setBirthday = (customerId: number, birthday: string | null) => trpc.broadcastRules.setBirthday.mutate({ customerId, birthday })
  const importBirthdays = (input: RouterInputs['broadcastRules']['importBirthdays']) => trpc.broadcastRules.importBirthdays.mutate(input)

  return {
    rules,
    templates,
    ways,
    loading,
    saving,
    load,
    createRule,
    updateRule,
    runRule,
    createTemplate,
    removeTemplate,
    assignTemplate,
    birthdayOf,
    setBirthday,
    importBirthdays,
  }
})
