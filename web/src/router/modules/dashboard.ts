// 概览: the landing page after login.
import type { RouteRecordRaw } from 'vue-router'
import { DataAnalysis } from '@element-plus/icons-vue'

export const dashboardRoutes: RouteRecordRaw[] = [
  {
    path: 'dashboard',
    name: 'Dashboard',
    component: () => import('../../views/dashboard/index.vue'),
    meta: { title: '概览', icon: DataAnalysis },
  },
]
