// The admin router (history base /web/): login outside the layout, every menu page inside it.
import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import './meta'
import { useAuthStore } from '../stores/auth'
import { dashboardRoutes } from './modules/dashboard'
import { wecomRoutes } from './modules/wecom'
import { customerRoutes } from './modules/customer'
import { notifyRoutes } from './modules/notify'
import { systemRoutes } from './modules/system'

const APP_TITLE = '诊所客户管理后台'

/** Menu order follows this list. */
export const menuRoutes: RouteRecordRaw[] = [...dashboardRoutes, ...wecomRoutes, ...customerRoutes, ...notifyRoutes, ...systemRoutes]

const routes: RouteRecordRaw[] = [
  {
    path: '/login',
    name: 'Login',
    component: () => import('../views/login/index.vue'),
    meta: { title: '登录', public: true },
  },
  {
    path: '/',
    component: () => import('../layouts/basic-layout.vue'),
    redirect: { name: 'Dashboard' },
    children: [
      ...menuRoutes,
      {
        path: ':pathMatch(.*)*',
        name: 'NotFound',
        component: () => import('../views/placeholder/not-found.vue'),
        meta: { title: '页面不存在', hideInMenu: true },
      },
    ],
  },
]

export const router = createRouter({
  history: createWebHistory('/web/'),
  routes,
})

/** Only same-app paths are followed after login (no open redirect). */
export function safeRedirect(value: unknown): string {
  return typeof value === 'string' && value.startsWith('/') && !value.startsWith('//') ? value : '/'
}

router.beforeEach(async (to) => {
  const auth = useAuthStore()
  if (!auth.loaded) await auth.fetchMe().catch(() => null)
  if (to.meta.public) {
    if (to.name === 'Login' && auth.me) return safeRedirect(to.query.redirect)
    return true
  }
  if (!auth.me) return { name: 'Login', query: to.fullPath === '/' ? {} : { redirect: to.fullPath } }
  if (to.meta.roles && !to.meta.roles.includes(auth.me.role)) return { name: 'Dashboard' }
  return true
})

router.afterEach((to) => {
  document.title = to.meta.title ? `${to.meta.title} - ${APP_TITLE}` : APP_TITLE
})
