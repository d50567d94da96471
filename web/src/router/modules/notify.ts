// 消息通知: the Official Account (公众号配置), Tencent Cloud SMS (短信配置), push configs, leads (线索), ingest API keys, 员工 who receive alerts through the Official Account, notifications sent, and the in-app inbox (站内信).
import type { RouteRecordRaw } from 'vue-router'
import { Avatar, Bell, ChatLineRound, Iphone, Key, Message, Setting, Tickets } from '@element-plus/icons-vue'
import { ADMIN_ROLES, comingSoon } from '../meta'

const section = '消息通知'

export const notifyRoutes: RouteRecordRaw[] = [
  {
    path: 'oa-config',
    name: 'NotifyOaConfig',
    component: () => import('../../views/oa-config/index.vue'),
    meta: { title: '公众号配置', section, icon: ChatLineRound, roles: ADMIN_ROLES, needsOrg: true },
  },
  {
    path: 'sms-config',
    name: 'NotifySmsConfig',
    component: () => import('../../views/sms-config/index.vue'),
    meta: { title: '短信配置', section, icon: Iphone, roles: ADMIN_ROLES, needsOrg: true },
  },
  {
    path: 'push-configs',
    name: 'NotifyPushConfigs',
    component: () => import('../../views/push-configs/list.vue'),
    meta: { title: '推送配置', section, icon: Setting, roles: ADMIN_ROLES, needsOrg: true },
  },
  {
    path: 'leads',
    name: 'NotifyLeads',
    component: () => import('../../views/leads/list.vue'),
    meta: { title: '线索', section, icon: Tickets, needsOrg: true },
  },
  {
    path: 'api-keys',
    name: 'NotifyApiKeys',
    component: () => import('../../views/api-keys/list.vue'),
    meta: { title: 'API 密钥', section, icon: Key, roles: ADMIN_ROLES, needsOrg: true },
  },
  {
    path: 'employees',
    name: 'NotifyEmployees',
    component: () => import('../../views/employees/list.vue'),
    meta: { title: '员工', section, icon: Avatar, needsOrg: true },
  },
  {
    path: 'notifications',
    name: 'NotifyNotifications',
    component: comingSoon,
    meta: { title: '通知', section, icon: Bell, needsOrg: true },
  },
  {
    path: 'inbox',
    name: 'NotifyInbox',
    component: comingSoon,
    meta: { title: '站内信', section, icon: Message, needsOrg: true },
  },
]
