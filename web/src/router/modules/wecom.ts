// 企业微信: the org's WeCom app, 「联系我」 QR codes and staff (成员; 员工 are the Official Account recipients under 消息通知).
import type { RouteRecordRaw } from 'vue-router'
import { Connection, Postcard, UserFilled } from '@element-plus/icons-vue'
import { ADMIN_ROLES } from '../meta'

const section = '企业微信'

export const wecomRoutes: RouteRecordRaw[] = [
  {
    path: 'wecom-config',
    name: 'WecomConfig',
    component: () => import('../../views/wecom/index.vue'),
    meta: { title: '企业微信配置', section, icon: Connection, roles: ADMIN_ROLES, needsOrg: true },
  },
  {
    path: 'contact-ways',
    name: 'WecomContactWays',
    component: () => import('../../views/contact-ways/list.vue'),
    meta: { title: '联系我', section, icon: Postcard, needsOrg: true },
  },
  {
    path: 'staff',
    name: 'WecomStaff',
    component: () => import('../../views/staff/list.vue'),
    meta: { title: '成员', section, icon: UserFilled, needsOrg: true },
  },
]
