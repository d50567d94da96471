// 短信配置: the org's Tencent Cloud SMS settings (SecretKey masked), save, and 测试发送 to a number the admin enters.
import { ref } from 'vue'
import { defineStore } from 'pinia'
import type { SmsConfigSaveInput, SmsConfigView, SmsTestResult } from '../../../shared/schemas/sms-config'
import { trpc } from '../trpc'

export const useSmsConfigStore = defineStore('smsConfig', () => {
  const config = ref<SmsConfigView | null>(null)
  const loading = ref(false)
  const saving = ref(false)
  const testing = ref(false)
  /** The answer of the last 测试发送 in this page visit. */
  const testResult = ref<SmsTestResult | null>(null)

  async function load(): Promise<void> {
    loading.value = true
    try {
      config.value = await trpc.smsConfig.get.query()
    } finally {
      loading.value = false
    }
  }

  async function save(input: SmsConfigSaveInput): Promise<SmsConfigView> {
    saving.value = true
    try {
      config.value = await trpc.smsConfig.save.mutate(input)
      return config.value
    } finally {
      saving.value = false
    }
  }

  /** Sends the verification-code template with the saved settings. */
  async function test(mobile: string): Promise<SmsTestResult> {
    testing.value = true
    try {
      testResult.value = await trpc.smsConfig.test.mutate({ mobile })
      return testResult.value
    } finally {
      testing.value = false
    }
  }

  return { config, loading, saving, testing, testResult, load, save, test }
})
