// 消息通知: push configs, notifications sent to staff, and the in-app inbox (站内信).
import type { RouteRecordRaw } from 'vue-router'
import { Bell, Message, Setting } from '@element-plus/icons-vue'
import { ADMIN_ROLES, comingSoon } from '../meta'

const section = '消息通知'

export const notifyRoutes: RouteRecordRaw[] = [
  {
    path: 'push-configs',
    name: 'NotifyPushConfigs',
    component: comingSoon,
    meta: { title: '推送配置', section, icon: Setting, roles: ADMIN_ROLES, needsOrg: true },
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
