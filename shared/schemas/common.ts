// Schemas every list procedure shares: server-side pagination and its result shape.
import { z } from 'zod'

export const pageInput = z.object({
  page: z.number().int().min(1).default(1),
  pageSize: z.number().int().min(1).max(100).default(20),
})
export type PageInput = z.infer<typeof pageInput>

export interface Page<T> {
  items: T[]
  total: number
}

export const idInput = z.object({ id: z.number().int().positive() })
