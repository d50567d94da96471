// Custom menu shapes: 1–3 top-level buttons with up to 5 sub-buttons each.
import { z } from 'zod'
import { withOaBase } from './types'

/** Every type menu/create accepts, the material and article ones included, so a menu read back can be posted again. */
export const MENU_BUTTON_TYPES = [
  'click',
  'view',
  'miniprogram',
  'scancode_push',
  'scancode_waitmsg',
  'pic_sysphoto',
  'pic_photo_or_album',
  'pic_weixin',
  'location_select',
  'media_id',
  'view_limited',
  'article_id',
  'article_view_limited',
] as const
export type MenuButtonType = (typeof MENU_BUTTON_TYPES)[number]

export interface MenuButton {
  /** ≤ 16 bytes at the top level, ≤ 40 bytes in a sub-menu. */
  name: string
  type?: MenuButtonType
  /** click: ≤ 128 bytes. */
  key?: string
  url?: string
  appid?: string
  pagepath?: string
  media_id?: string
  article_id?: string
  sub_button?: MenuButton[]
}

export interface Menu {
  button: MenuButton[]
}

// Loose: fields this code does not know survive a read-modify-write of the menu (menu/create replaces it whole).
const Button: z.ZodType<MenuButton> = z.lazy(() =>
  z.looseObject({
    name: z.string(),
    type: z.enum(MENU_BUTTON_TYPES).optional(),
    key: z.string().optional(),
    url: z.string().optional(),
    appid: z.string().optional(),
    pagepath: z.string().optional(),
    media_id: z.string().optional(),
    article_id: z.string().optional(),
    sub_button: z.array(Button).optional(),
  }),
)

export const GetMenuResponse = withOaBase({ menu: z.object({ button: z.array(Button) }) })
export type GetMenuResponse = z.infer<typeof GetMenuResponse>
