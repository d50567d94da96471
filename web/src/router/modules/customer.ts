// 客户运营: customers, corp tags and broadcasts (群发).
import type { RouteRecordRaw } from 'vue-router'
import { CollectionTag, Promotion, User } from '@element-plus/icons-vue'

const section = '客户运营'

export const customerRoutes: RouteRecordRaw[] = [
  {
    path: 'customers',
    name: 'CustomerList',
    component: () => import('../../views/customers/list.vue'),
    meta: { title: '客户', section, icon: User, needsOrg: true },
  },
  {
    path: 'tags',
    name: 'CustomerTags',
    component: () => import('../../views/tags/list.vue'),
    meta: { title: '标签', section, icon: CollectionTag, needsOrg: true },
  },
  {
    path: 'broadcasts',
    name: 'CustomerBroadcasts',
    component: () => import('../../views/broadcasts/list.vue'),
    meta: { title: '群发', section, icon: Promotion, needsOrg: true },
  },
]
