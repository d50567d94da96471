// 消息通知 (outputs): 通知设置, 通知记录 with resend, 站内信 with the header's unread count, 公告.
import { ref } from 'vue'
import { defineStore } from 'pinia'
import { trpc, type RouterInputs, type RouterOutputs } from '../trpc'
import { usePagedList } from '../utils/paged-list'
import type { Scene } from '../../../shared/schemas/notify'

export type NotifySettingsView = RouterOutputs['notify']['settings']
export type NotificationRow = RouterOutputs['notify']['records']['items'][number]
export type InboxRow = RouterOutputs['notify']['inbox']['items'][number]
export type AnnouncementRow = RouterOutputs['notify']['announcements']['items'][number]
export type TemplatePreview = RouterOutputs['notify']['preview']

export const useNotifyStore = defineStore('notify', () => {
  const records = usePagedList(
    (paging, f) =>
      trpc.notify.records.query({
        ...paging,
        scene: (f.scene || undefined) as Scene | undefined,
        channel: (f.channel || undefined) as RouterInputs['notify']['records']['channel'],
        status: (f.status || undefined) as RouterInputs['notify']['records']['status'],
      }),
    () => ({ scene: '', channel: '', status: '' }),
  )
  const inbox = usePagedList(
    (paging, f) => trpc.notify.inbox.query({ ...paging, unreadOnly: f.unreadOnly || undefined }),
    () => ({ unreadOnly: false }),
  )
  const announcements = usePagedList(
    (paging) => trpc.notify.announcements.query(paging),
    () => ({}),
  )
  const unread = ref(0)

  async function refreshUnread(): Promise<void> {
    unread.value = (await trpc.notify.unread.query()).unread
  }
  async function afterInboxChange(): Promise<void> {
    await Promise.all([inbox.load({ silent: true }), refreshUnread()])
  }

  const loadSettings = () => trpc.notify.settings.query()
  const saveSettings = (input: RouterInputs['notify']['saveSettings']) => trpc.notify.saveSettings.mutate(input)
  const preview = (input: RouterInputs['notify']['preview']) => trpc.notify.preview.query(input)
  const resend = async (id: number) => {
    await trpc.notify.resend.mutate({ id })
    await records.load({ silent: true })
  }
  const markRead = async (ids: number[]) => {
    await trpc.notify.markRead.mutate({ ids })
    await afterInboxChange()
  }
  const markAllRead = async () => {
    await trpc.notify.markAllRead.mutate()
    await afterInboxChange()
  }
  const open = async (id: number) => {
    const item = await trpc.notify.open.mutate({ id })
    await afterInboxChange()
    return item
  }
  const publish = async (input: RouterInputs['notify']['publish']) => {
    await trpc.notify.publish.mutate(input)
    await announcements.search()
  }

  return {
    records,
    inbox,
    announcements,
    unread,
    refreshUnread,
    loadSettings,
    saveSettings,
    preview,
    resend,
    markRead,
    markAllRead,
    open,
    publish,
  }
})
