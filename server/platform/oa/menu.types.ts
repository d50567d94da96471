// Custom menu shapes: 1–3 top-level buttons with up to 5 sub-buttons each.
import { z } from 'zod'
import { withOaBase } from './types'

export interface MenuButton {
  /** ≤ 16 bytes at the top level, ≤ 40 bytes in a sub-menu. */
  name: string
  type?: 'click' | 'view' | 'miniprogram' | 'scancode_push' | 'scancode_waitmsg' | 'pic_sysphoto' | 'location_select'
  /** click: ≤ 128 bytes. */
  key?: string
  url?: string
  appid?: string
  pagepath?: string
  sub_button?: MenuButton[]
}

export interface Menu {
  button: MenuButton[]
}

const Button: z.ZodType<MenuButton> = z.lazy(() =>
  z.object({
    name: z.string(),
    type: z.enum(['click', 'view', 'miniprogram', 'scancode_push', 'scancode_waitmsg', 'pic_sysphoto', 'location_select']).optional(),
    key: z.string().optional(),
    url: z.string().optional(),
    appid: z.string().optional(),
    pagepath: z.string().optional(),
    sub_button: z.array(Button).optional(),
  }),
)

export const GetMenuResponse = withOaBase({ menu: z.object({ button: z.array(Button) }) })
export type GetMenuResponse = z.infer<typeof GetMenuResponse>
