// Server-side pagination state for setup stores: page, pageSize, filters, items, total and loading.
import { reactive, ref, shallowRef, type UnwrapNestedRefs } from 'vue'
import { notifyError } from './notify'

export interface Paging {
  page: number
  pageSize: number
}

export interface PageResult<T> {
  items: T[]
  total: number
}

export const PAGE_SIZES = [10, 20, 50, 100]

/**
 * `fetchPage` turns paging + filters into one procedure call. Later answers win only if they belong to
 * the latest request, so fast typing or paging never shows an older page.
 */
export function usePagedList<T, F extends object>(
  fetchPage: (paging: Paging, filters: UnwrapNestedRefs<F>) => Promise<PageResult<T>>,
  initialFilters: () => F,
  initialPageSize = 20,
) {
  const items = shallowRef<T[]>([])
  const total = ref(0)
  const page = ref(1)
  const pageSize = ref(initialPageSize)
  const filters = reactive(initialFilters())
  const loading = ref(false)
  let latest = 0

  /** Loads the current page; `silent` skips the loading mask (polling). Errors are shown as a toast. */
  async function load(opts: { silent?: boolean } = {}): Promise<void> {
    const mine = ++latest
    if (!opts.silent) loading.value = true
    try {
      const res = await fetchPage({ page: page.value, pageSize: pageSize.value }, filters)
      if (mine !== latest) return
      const lastPage = Math.max(1, Math.ceil(res.total / pageSize.value))
      if (res.items.length === 0 && page.value > lastPage) {
        // The page emptied under us (rows retried, filters narrowed): show the last page that has rows.
        page.value = lastPage
        return load(opts)
      }
      items.value = res.items
      total.value = res.total
    } catch (err) {
      if (mine === latest) notifyError(err)
    } finally {
      if (mine === latest) loading.value = false
    }
  }

  function search(): Promise<void> {
    page.value = 1
    return load()
  }

  function resetFilters(): Promise<void> {
    Object.assign(filters, initialFilters())
    return search()
  }

  return { items, total, page, pageSize, filters, loading, load, search, resetFilters }
}

/** '' and whitespace become undefined, so optional procedure inputs stay unset. */
export function optionalText(v: string | null | undefined): string | undefined {
  const t = v?.trim()
  return t ? t : undefined
}
