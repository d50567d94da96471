// The org's audit log with filters (action, username, time range) and server-side pagination.
import { defineStore } from 'pinia'
import { trpc, type RouterOutputs } from '../trpc'
import { optionalText, usePagedList } from '../utils/paged-list'

export type AuditRow = RouterOutputs['audit']['list']['items'][number]

export const useAuditStore = defineStore('audit', () => {
  const list = usePagedList(
    (paging, f) =>
      trpc.audit.list.query({
        ...paging,
        action: optionalText(f.action),
        username: optionalText(f.username),
        // The picker has second precision and its end is inclusive; the server's `to` is exclusive.
        from: f.range ? Number(f.range[0]) : undefined,
        to: f.range ? Number(f.range[1]) + 1000 : undefined,
      }),
    () => ({ action: '', username: '', range: null as [number, number] | null }),
  )
  return { ...list }
})
