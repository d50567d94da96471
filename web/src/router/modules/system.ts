// 系统: scheduled jobs (platform-wide), the org's durable queue, audit log, org users and (platform operator) orgs.
import type { RouteRecordRaw } from 'vue-router'
import { Document, OfficeBuilding, Timer, List, Avatar } from '@element-plus/icons-vue'
import { ADMIN_ROLES, SUPER_ADMIN } from '../meta'

const section = '系统'

export const systemRoutes: RouteRecordRaw[] = [
  {
    path: 'jobs',
    name: 'SystemJobs',
    component: () => import('../../views/jobs/list.vue'),
    meta: { title: '任务', section, icon: Timer, roles: ADMIN_ROLES },
  },
  {
    path: 'queue',
    name: 'SystemQueue',
    component: () => import('../../views/queue/list.vue'),
    meta: { title: '队列', section, icon: List, roles: ADMIN_ROLES, needsOrg: true },
  },
  {
    path: 'audit',
    name: 'SystemAudit',
    component: () => import('../../views/audit/list.vue'),
    meta: { title: '审计日志', section, icon: Document, roles: ADMIN_ROLES, needsOrg: true },
  },
  {
    path: 'users',
    name: 'SystemUsers',
    component: () => import('../../views/users/list.vue'),
    meta: { title: '用户管理', section, icon: Avatar, roles: ADMIN_ROLES, needsOrg: true },
  },
  {
    path: 'orgs',
    name: 'SystemOrgs',
    component: () => import('../../views/orgs/list.vue'),
    meta: { title: '组织管理', section, icon: OfficeBuilding, roles: SUPER_ADMIN },
  },
]
