// Admin SPA entry: pinia, router, zh-CN validation messages and date pickers, and the session-expiry redirect.
import './zod-jitless'
import { createApp } from 'vue'
import { createPinia } from 'pinia'
import { z } from 'zod'
import zhCN from 'zod/v4/locales/zh-CN.js'
import dayjs from 'dayjs'
import 'dayjs/locale/zh-cn'
import App from './App.vue'
import { router } from './router'
import { setUnauthorizedHandler } from './trpc'
import { useAuthStore } from './stores/auth'
import './styles.css'

// element-plus's date pickers format through dayjs: Chinese month and day names, weeks starting on Monday.
dayjs.locale('zh-cn')

// Messages of shared schemas without a custom text (e.g. "slug" min length) appear in Chinese.
z.config(zhCN())

const app = createApp(App)
const pinia = createPinia()
app.use(pinia)
app.use(router)

setUnauthorizedHandler(() => {
  useAuthStore(pinia).clear()
  const current = router.currentRoute.value
  if (current.name !== 'Login') {
    void router.replace({ name: 'Login', query: { redirect: current.fullPath } })
  }
})

app.mount('#app')
