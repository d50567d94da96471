// The customer timeline procedure's input, its entry shape and the Chinese labels of every kind, actor and outcome.
import { z } from 'zod'

/** Deep pages merge this many entries of each source at most (page × pageSize), so the reach is bounded. */
export const TIMELINE_MAX_PAGE = 40

export const customerTimelineInput = z.object({
  id: z.number().int().positive(),
  page: z.number().int().min(1).max(TIMELINE_MAX_PAGE, `时间线最多查看 ${TIMELINE_MAX_PAGE} 页`).default(1),
  pageSize: z.number().int().min(1).max(50).default(20),
})
export type CustomerTimelineInput = z.infer<typeof customerTimelineInput>

export const TIMELINE_KINDS = [
  'added',
  're_added',
  'welcome',
  'tag_added',
  'tag_removed',
  'remark',
  'description',
  'mobiles',
  'lost',
  'deleted',
  'broadcast',
  'message',
] as const
export type TimelineKind = (typeof TIMELINE_KINDS)[number]

export type TimelineActorType = 'staff' | 'admin' | 'customer' | 'system'

export interface TimelineEntry {
  /** Unique across sources: `e:` events, `w:` welcome sends, `b:` broadcast targets, `m:` messages. */
  id: string
  kind: TimelineKind
  at: number
  actor: { type: TimelineActorType; name: string }
  /** The staff member of the relation the entry is about. */
  staff: { userid: string; name: string } | null
  /** Welcome: a WelcomeStatus; broadcast: a TargetStatus; lost/deleted/added: 'sync' when the sync found it. */
  status: string | null
  /** Channel name, failure reason, broadcast title or message content. */
  text: string | null
  tags: string[]
  from: string | null
  to: string | null
}

export const TIMELINE_KIND_LABELS: Record<TimelineKind, string> = {
  added: '添加客户',
  re_added: '重新添加',
  welcome: '欢迎语',
  tag_added: '添加标签',
  tag_removed: '移除标签',
  remark: '修改备注',
  description: '修改描述',
  mobiles: '修改手机号',
  lost: '客户删除员工',
  deleted: '员工删除客户',
  broadcast: '群发消息',
  message: '消息',
}

export const TIMELINE_ACTOR_LABELS: Record<TimelineActorType, string> = {
  staff: '员工',
  admin: '管理员',
  customer: '客户',
  system: '系统',
}

export const WELCOME_OUTCOME_LABELS: Record<string, string> = {
  sending: '欢迎语发送中',
  sent: '欢迎语已发送',
  expired: '欢迎语已过期',
  already_used: '欢迎语未发送（已被使用）',
  failed: '欢迎语发送失败',
  skipped: '未发送欢迎语',
}

/** The entry's headline in Chinese: the kind, refined by its outcome where one kind has several. */
export function timelineTitle(e: Pick<TimelineEntry, 'kind' | 'status'>): string {
  if (e.kind === 'welcome') return WELCOME_OUTCOME_LABELS[e.status ?? ''] ?? '欢迎语'
  if (e.kind === 'lost' && e.status === 'sync') return '关系已解除（同步发现）'
  return TIMELINE_KIND_LABELS[e.kind]
}
