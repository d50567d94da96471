// Server-side pagination: the total under the caller's filters plus one page of rows, in two queries.
import type { SelectQueryBuilder } from 'kysely'

export interface PageRequest {
  page: number
  pageSize: number
}

/**
 * `filtered` carries the WHERE clauses only; `select` adds the columns and the ORDER BY of the page query.
 * The count and the page use the same filters, so `total` always matches what paging walks through.
 */
export async function fetchPage<DB, TB extends keyof DB, O>(
  filtered: SelectQueryBuilder<DB, TB, {}>,
  page: PageRequest,
  select: (q: SelectQueryBuilder<DB, TB, {}>) => SelectQueryBuilder<DB, TB, O>,
): Promise<{ rows: O[]; total: number }> {
  const counted = await (filtered as unknown as SelectQueryBuilder<any, any, {}>)
    .select((eb) => eb.fn.countAll<number>().as('total'))
    .executeTakeFirstOrThrow()
  const rows = await select(filtered)
    .limit(page.pageSize)
    .offset((page.page - 1) * page.pageSize)
    .execute()
  return { rows, total: Number(counted.total) }
}
