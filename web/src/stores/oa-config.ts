// 公众号配置: the org's Official Account (or the platform's, for a super admin): view with masked secrets, save,
// 「测试连接」, the private templates and a fresh EncodingAESKey. One store instance per scope ('org' | 'platform'); the
// org's menu (绑定手机号 entry) in its own store.
import { ref } from 'vue'
import { defineStore } from 'pinia'
import type { OaConfigSaveInput, OaConfigView, OaMenuView, OaTemplateView, OaTestResult } from '../../../shared/schemas/oa-config'
import { trpc } from '../trpc'

export type OaScope = 'org' | 'platform'

/** The org procedures or the super admin's platform ones, with one shape. */
function api(scope: OaScope) {
  const r = trpc.oaConfig
  return scope === 'org'
    ? {
        get: () => r.get.query(),
        save: (i: OaConfigSaveInput) => r.save.mutate(i),
        test: () => r.test.mutate(),
        templates: () => r.templates.query(),
      }
    : {
        get: () => r.platformGet.query(),
        save: (i: OaConfigSaveInput) => r.platformSave.mutate(i),
        test: () => r.platformTest.mutate(),
        templates: () => r.platformTemplates.query(),
      }
}

function defineOaConfigStore(scope: OaScope) {
  return defineStore(scope === 'org' ? 'oaConfig' : 'oaConfigPlatform', () => {
    const config = ref<OaConfigView | null>(null)
    const templates = ref<OaTemplateView[]>([])
    const loading = ref(false)
    const saving = ref(false)
    const testing = ref(false)
    const generating = ref(false)
    const loadingTemplates = ref(false)
    /** Why the template list could not be loaded (not configured, platform error), shown above the table. */
    const templatesError = ref('')
    /** The answer of the last 「测试连接」 in this page visit. */
    const testResult = ref<OaTestResult | null>(null)

    async function load(): Promise<void> {
      loading.value = true
      try {
        config.value = await api(scope).get()
      } finally {
        loading.value = false
      }
    }

    async function save(input: OaConfigSaveInput): Promise<OaConfigView> {
      saving.value = true
      try {
        config.value = await api(scope).save(input)
        return config.value
      } finally {
        saving.value = false
      }
    }

    /** stable_token + the template list with the saved settings; the view is reloaded for the token times. */
    async function test(): Promise<OaTestResult> {
      testing.value = true
      try {
        testResult.value = await api(scope).test()
        await load().catch(() => undefined)
        return testResult.value
      } finally {
        testing.value = false
      }
    }

    async function loadTemplates(): Promise<void> {
      loadingTemplates.value = true
      templatesError.value = ''
      try {
        templates.value = await api(scope).templates()
      } catch (err) {
        templates.value = []
        throw err
      } finally {
        loadingTemplates.value = false
      }
    }

    async function generateAesKey(): Promise<string> {
      generating.value = true
      try {
        return (await trpc.oaConfig.generateAesKey.query()).encodingAesKey
      } finally {
        generating.value = false
      }
    }

    return {
      config,
      templates,
      loading,
      saving,
      testing,
      generating,
      loadingTemplates,
      templatesError,
      testResult,
      load,
      save,
      test,
      loadTemplates,
      generateAesKey,
    }
  })
}

export const useOaConfigStore = defineOaConfigStore('org')
export const usePlatformOaConfigStore = defineOaConfigStore('platform')
export type OaConfigStore = ReturnType<typeof useOaConfigStore>

/** The custom menu of the account the org uses, and setting its 绑定手机号 entry. */
export const useOaMenuStore = defineStore('oaMenu', () => {
  const menu = ref<OaMenuView | null>(null)
  const loading = ref(false)
  const saving = ref(false)

  async function load(): Promise<void> {
    loading.value = true
    try {
      menu.value = await trpc.oaConfig.menu.query()
    } finally {
      loading.value = false
    }
  }

  async function setup(): Promise<OaMenuView> {
    saving.value = true
    try {
      menu.value = await trpc.oaConfig.setMenu.mutate()
      return menu.value
    } finally {
      saving.value = false
    }
  }

  return { menu, loading, saving, load, setup }
})
