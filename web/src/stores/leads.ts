// 线索: paged list with assignee/status/date filters, status and assignee changes.
import { defineStore } from 'pinia'
import { trpc, type RouterOutputs } from '../trpc'
import type { LeadStatus } from '../../../shared/schemas/lead'
import { optionalText, usePagedList } from '../utils/paged-list'

export type LeadRow = RouterOutputs['leads']['list']['items'][number]
export type EmployeeOption = RouterOutputs['employees']['list']['items'][number]

export const useLeadsStore = defineStore('leads', () => {
  const list = usePagedList(
    (paging, f) =>
      trpc.leads.list.query({
        ...paging,
        q: optionalText(f.q),
        employeeId: f.employeeId ?? undefined,
        status: f.status || undefined,
        from: f.range?.[0] ? f.range[0].getTime() : undefined,
        // The picked end day is included.
        to: f.range?.[1] ? f.range[1].getTime() + 86_400_000 : undefined,
      }),
    () => ({ q: '', employeeId: null as number | null, status: '' as LeadStatus | '', range: null as [Date, Date] | null }),
  )

  async function setStatus(id: number, status: LeadStatus) {
    await trpc.leads.setStatus.mutate({ id, status })
    await list.load()
  }
  async function assign(id: number, employeeId: number) {
    await trpc.leads.assign.mutate({ id, employeeId })
    await list.load()
  }
  const employees = async () => (await trpc.employees.list.query({ page: 1, pageSize: 100 })).items

  return { ...list, setStatus, assign, employees }
})
