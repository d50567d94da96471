// App message (to members) request and response schema.
import { z } from 'zod'
import { withBase } from './types'

interface MessageCommon {
  /** `a|b|c`, ≤ 1000; `@all` = the app's whole visible range */
  touser?: string
  /** `1|2`, ≤ 100 */
  toparty?: string
  /** `1|2`, ≤ 100 */
  totag?: string
  agentid: number
  safe?: 0 | 1
  enable_id_trans?: 0 | 1
  enable_duplicate_check?: 0 | 1
  /** seconds; default 1800, max 4 h */
  duplicate_check_interval?: number
}

export interface NewsArticle {
  /** ≤ 128 B */
  title: string
  /** ≤ 512 B */
  description?: string
  /** ≤ 2048 B; or appid + pagepath */
  url?: string
  appid?: string
  pagepath?: string
  picurl?: string
}

export interface TextNoticeCard {
  card_type: 'text_notice'
  source?: { icon_url?: string; desc?: string; desc_color?: number }
  /** requires task_id */
  action_menu?: { desc?: string; action_list: { text: string; key: string }[] }
  /** ≤ 128 B, [0-9a-zA-Z_-@] */
  task_id?: string
  /** title or sub_title_text is required */
  main_title?: { title?: string; desc?: string }
  emphasis_content?: { title?: string; desc?: string }
  quote_area?: { type?: number; url?: string; appid?: string; pagepath?: string; title?: string; quote_text?: string }
  sub_title_text?: string
  /** ≤ 6 */
  horizontal_content_list?: { keyname: string; value?: string; type?: number; url?: string; media_id?: string; userid?: string }[]
  /** ≤ 3 */
  jump_list?: { type?: number; title: string; url?: string; appid?: string; pagepath?: string }[]
  /** 1 url, 2 mini-program */
  card_action: { type: 1 | 2; url?: string; appid?: string; pagepath?: string }
}

export type AppMessage = MessageCommon &
  (
    | { msgtype: 'text'; /** ≤ 2048 bytes */ text: { content: string } }
    | {
        msgtype: 'textcard'
        /** title ≤ 128 B, description ≤ 512 B, btntxt ≤ 4 chars (default 详情) */
        textcard: { title: string; description: string; url: string; btntxt?: string }
      }
    | { msgtype: 'news'; /** 1–8 */ news: { articles: NewsArticle[] } }
    | { msgtype: 'template_card'; template_card: TextNoticeCard }
  )

export const SendMessageResponse = withBase({
  /** pipe-joined; a partial failure still sends (all invalid → 81013) */
  invaliduser: z.string().optional(),
  invalidparty: z.string().optional(),
  invalidtag: z.string().optional(),
  unlicenseduser: z.string().optional(),
  /** for message/recall within 24 h */
  msgid: z.string().optional(),
  /** interactive cards only; for update_template_card */
  response_code: z.string().optional(),
})
export type SendMessageResponse = z.infer<typeof SendMessageResponse>
