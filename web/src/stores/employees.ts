// 员工 (Official Account alert recipients): paged list with filters, CRUD, WeCom import, CSV import/export, unbind, binding QR.
import { ref } from 'vue'
import { defineStore } from 'pinia'
import { trpc, type RouterInputs, type RouterOutputs } from '../trpc'
import { optionalText, usePagedList } from '../utils/paged-list'

export type EmployeeRow = RouterOutputs['employees']['list']['items'][number]
export type WecomCandidate = RouterOutputs['employees']['wecomCandidates'][number]
export type CsvImportResult = RouterOutputs['employees']['importCsv']
export type WecomImportResult = RouterOutputs['employees']['importFromWecom']
export type BindingQr = RouterOutputs['employees']['bindingQr']

/** 'all' = no filter; the selects bind these strings. */
export type TriState = 'all' | 'yes' | 'no'
const tri = (v: TriState) => (v === 'all' ? undefined : v === 'yes')

export const useEmployeesStore = defineStore('employees', () => {
  const list = usePagedList(
    (paging, f) =>
      trpc.employees.list.query({ ...paging, q: optionalText(f.q), bound: tri(f.bound), receivesSystemNotices: tri(f.receives) }),
    () => ({ q: '', bound: 'all' as TriState, receives: 'all' as TriState }),
  )
  const saving = ref(false)

  async function run<T>(call: () => Promise<T>, reload: () => Promise<void>): Promise<T> {
    saving.value = true
    try {
      const res = await call()
      await reload()
      return res
    } finally {
      saving.value = false
    }
  }

  const create = (input: RouterInputs['employees']['create']) => run(() => trpc.employees.create.mutate(input), list.search)
  const update = (input: RouterInputs['employees']['update']) => run(() => trpc.employees.update.mutate(input), list.load)
  const remove = (id: number) => run(() => trpc.employees.remove.mutate({ id }), list.load)
  const unbind = (id: number) => run(() => trpc.employees.unbind.mutate({ id }), list.load)
  const wecomCandidates = () => trpc.employees.wecomCandidates.query()
  const importFromWecom = (input: RouterInputs['employees']['importFromWecom']) =>
    run(() => trpc.employees.importFromWecom.mutate(input), list.search)
  /** A dry run never writes; the real run reloads the list. */
  const importCsv = (input: RouterInputs['employees']['importCsv']) =>
    input.dryRun === false ? run(() => trpc.employees.importCsv.mutate(input), list.search) : trpc.employees.importCsv.mutate(input)
  const exportCsv = () => trpc.employees.exportCsv.query()
  /** The org's H5 binding URL as a QR image (any role: it is printed for everyone anyway). */
  const bindingQr = () => trpc.employees.bindingQr.query()

  return { ...list, saving, create, update, remove, unbind, wecomCandidates, importFromWecom, importCsv, exportCsv, bindingQr }
})
