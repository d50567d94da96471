// Column definitions for data-table.vue, written in each page's data.ts (vben style).
export interface TableColumn<T> {
  key: string
  label: string
  /** Field shown as text when neither `slot` nor `formatter` is given. */
  prop?: keyof T & string
  /** Name of the slot the page fills for this cell (tags, buttons). */
  slot?: string
  formatter?: (row: T) => string
  width?: number | string
  minWidth?: number | string
  fixed?: 'left' | 'right'
  align?: 'left' | 'center' | 'right'
  ellipsis?: boolean
}
