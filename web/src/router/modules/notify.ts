// 消息通知: the Official Account (公众号配置), Tencent Cloud SMS (短信配置), push configs, leads (线索), ingest API keys, 员工 who receive alerts, 通知设置, 通知记录, the in-app inbox (站内信) and 公告.
import type { RouteRecordRaw } from 'vue-router'
import { Avatar, Bell, ChatLineRound, Iphone, Key, Message, Notification, Setting, Tickets, Tools } from '@element-plus/icons-vue'
import { ADMIN_ROLES } from '../meta'

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
    path: 'notify-settings',
    name: 'NotifySettings',
    component: () => import('../../views/notify/settings.vue'),
    meta: { title: '通知设置', section, icon: Tools, roles: ADMIN_ROLES, needsOrg: true },
  },
  {
    path: 'notifications',
    name: 'NotifyNotifications',
    component: () => import('../../views/notify/records.vue'),
    meta: { title: '通知记录', section, icon: Bell, roles: ADMIN_ROLES, needsOrg: true },
  },
  {
    path: 'inbox',
    name: 'NotifyInbox',
    component: () => import('../../views/notify/inbox.vue'),
    meta: { title: '站内信', section, icon: Message, needsOrg: true },
  },
  {
    path: 'announcements',
    name: 'NotifyAnnouncements',
    component: () => import('../../views/notify/announcements.vue'),
    meta: { title: '公告', section, icon: Notification },
  },
]
