// Enumerations shared by server, admin web and H5.
export const ROLES = ['super_admin', 'org_admin', 'org_member'] as const
export type Role = (typeof ROLES)[number]

export const ROLE_LABELS: Record<Role, string> = {
  super_admin: '平台管理员',
  org_admin: '机构管理员',
  org_member: '机构成员',
}

export const QUEUE_STATUSES = ['pending', 'running', 'done', 'dead'] as const
export const QUEUE_STATUS_LABELS: Record<(typeof QUEUE_STATUSES)[number], string> = {
  pending: '等待中',
  running: '执行中',
  done: '已完成',
  dead: '已失败',
}

export const JOB_RUN_STATUS_LABELS = {
  running: '运行中',
  succeeded: '成功',
  failed: '失败',
  skipped: '已跳过',
} as const
