// 企业微信配置: the org's WeCom app (secrets masked), save, 「测试连接」 (which also syncs staff) and a fresh EncodingAESKey.
import { ref } from 'vue'
import { defineStore } from 'pinia'
import type { WecomConfigView } from '../../../shared/schemas/wecom-config'
import { trpc, type RouterInputs, type RouterOutputs } from '../trpc'

export type WecomTestResult = RouterOutputs['wecomConfig']['test']

export const useWecomConfigStore = defineStore('wecomConfig', () => {
  const config = ref<WecomConfigView | null>(null)
  const loading = ref(false)
  const saving = ref(false)
  const testing = ref(false)
  const generating = ref(false)
  /** The answer of the last 「测试连接」 in this page visit (the stored one is `config.lastTest`). */
  const testResult = ref<WecomTestResult | null>(null)

  async function load(): Promise<void> {
    loading.value = true
    try {
      config.value = await trpc.wecomConfig.get.query()
    } finally {
      loading.value = false
    }
  }

  async function save(input: RouterInputs['wecomConfig']['save']): Promise<WecomConfigView> {
    saving.value = true
    try {
      config.value = await trpc.wecomConfig.save.mutate(input)
      return config.value
    } finally {
      saving.value = false
    }
  }

  /** gettoken + the staff list with the stored settings; the view is reloaded for the token and last test. */
  async function test(): Promise<WecomTestResult> {
    testing.value = true
    try {
      testResult.value = await trpc.wecomConfig.test.mutate()
      await load().catch(() => undefined)
      return testResult.value
    } finally {
      testing.value = false
    }
  }

  async function generateAesKey(): Promise<string> {
    generating.value = true
    try {
      return (await trpc.wecomConfig.generateAesKey.query()).encodingAesKey
    } finally {
      generating.value = false
    }
  }

  return { config, loading, saving, testing, generating, testResult, load, save, test, generateAesKey }
})
