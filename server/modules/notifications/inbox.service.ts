// 站内信 of the signed-in user in the acting org: page, unread count, mark read, open (mark read and say where it leads).
import type { Deps } from '../../deps'
import { notFound } from '../../lib/errors'
import type { Page } from '../../../shared/schemas/common'
import type { InboxListInput } from '../../../shared/schemas/notify'
import { countUnread, findInboxMessage, listInboxPage, markInboxRead } from './notifications.repository'
import type { InboxMessageRow } from './notifications.table'

export interface InboxItem {
  id: number
  title: string
  content: string
  jumpLabel: string
  jumpUrl: string
  read: boolean
  createdAt: number
}

const view = (r: InboxMessageRow): InboxItem => ({
  id: r.id,
  title: r.title,
  content: r.content,
  jumpLabel: r.jump_label,
  jumpUrl: r.jump_url,
  read: r.read_at !== null,
  createdAt: r.created_at,
})

export async function listInbox(
  deps: Deps,
  orgId: number,
  userId: number,
  input: InboxListInput,
): Promise<Page<InboxItem> & { unread: number }> {
  const { rows, total } = await listInboxPage(deps.db, orgId, userId, input.unreadOnly ?? false, input)
  return { items: rows.map(view), total, unread: await countUnread(deps.db, orgId, userId) }
}

export async function unreadCount(deps: Deps, orgId: number, userId: number): Promise<{ unread: number }> {
  return { unread: await countUnread(deps.db, orgId, userId) }
}

export async function markRead(deps: Deps, orgId: number, userId: number, ids: number[]): Promise<{ marked: number }> {
  for (const id of ids) if (!(await findInboxMessage(deps.db, orgId, userId, id))) notFound('站内信', id)
  return { marked: await markInboxRead(deps.db, orgId, userId, ids, deps.clock.now()) }
}

export async function markAllRead(deps: Deps, orgId: number, userId: number): Promise<{ marked: number }> {
  return { marked: await markInboxRead(deps.db, orgId, userId, null, deps.clock.now()) }
}

export async function openInbox(deps: Deps, orgId: number, userId: number, id: number): Promise<InboxItem> {
  const row = await findInboxMessage(deps.db, orgId, userId, id)
  if (!row) notFound('站内信', id)
  await markInboxRead(deps.db, orgId, userId, [id], deps.clock.now())
  return { ...view(row), read: true }
}
