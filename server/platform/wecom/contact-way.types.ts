// 「联系我」 contact way requests and response schemas.
import { z } from 'zod'
import { withBase } from './types'

/** Closing message of a temp chat; image/link/miniprogram: only one is used (image > link > miniprogram). */
export interface Conclusions {
  /** ≤ 4000 bytes */
  text?: { content: string }
  image?: { media_id: string }
  /** title ≤ 128 bytes, desc ≤ 512 bytes */
  link?: { title: string; picurl?: string; desc?: string; url: string }
  /** title ≤ 64 bytes; appid must be linked to the corp */
  miniprogram?: { title: string; pic_media_id: string; appid: string; page: string }
}

interface ContactWayCommon {
  /** 1 mini-program button, 2 QR code */
  scene: 1 | 2
  /** button style, scene 1 only */
  style?: number
  /** ≤ 30 chars */
  remark?: string
  /** default true */
  skip_verify?: boolean
  /** channel tag echoed in the add event and customer detail; ≤ 30 chars */
  state?: string
  /** default false; single user only; medical-industry corps */
  is_temp?: boolean
  /** seconds; is_temp only; default 7 days, max 14 days */
  expires_in?: number
  /** seconds; is_temp only; default 24 h, max 14 days */
  chat_expires_in?: number
  /** is_temp only */
  unionid?: string
  is_exclusive?: boolean
  /** default true; honoured only for marketing apps */
  mark_source?: boolean
  /** is_temp only */
  conclusions?: Conclusions
}

export type AddContactWayRequest =
  | (ContactWayCommon & { type: 1; /** exactly one userid */ user: [string]; party?: never })
  | (ContactWayCommon & { type: 2; user?: string[]; party?: number[] })

export const AddContactWayResponse = withBase({
  config_id: z.string(),
  /** scene 2 only */
  qr_code: z.string().optional(),
})
export type AddContactWayResponse = z.infer<typeof AddContactWayResponse>

const ReturnedConclusions = z.object({
  text: z.object({ content: z.string() }).optional(),
  /** get returns pic_url, not the media_id that was sent */
  image: z.object({ pic_url: z.string() }).optional(),
  link: z.object({ title: z.string(), picurl: z.string().optional(), desc: z.string().optional(), url: z.string() }).optional(),
  miniprogram: z.object({ title: z.string(), pic_media_id: z.string().optional(), appid: z.string(), page: z.string() }).optional(),
})

export const ContactWay = z.object({
  config_id: z.string(),
  type: z.number(),
  scene: z.number(),
  style: z.number().optional(),
  remark: z.string().optional(),
  skip_verify: z.boolean().optional(),
  state: z.string().optional(),
  qr_code: z.string().optional(),
  user: z.array(z.string()).optional(),
  party: z.array(z.number()).optional(),
  is_temp: z.boolean().optional(),
  expires_in: z.number().optional(),
  chat_expires_in: z.number().optional(),
  unionid: z.string().optional(),
  conclusions: ReturnedConclusions.optional(),
})
export type ContactWay = z.infer<typeof ContactWay>

export const GetContactWayResponse = withBase({ contact_way: ContactWay })
export type GetContactWayResponse = z.infer<typeof GetContactWayResponse>

export interface ListContactWayRequest {
  /** unix s; default 90 days ago */
  start_time?: number
  /** unix s; default now */
  end_time?: number
  cursor?: string
  /** default 100, max 1000 */
  limit?: number
}
/** Only contact ways created after 2021-07-10, temp-chat ones excluded. */
export const ListContactWayResponse = withBase({
  contact_way: z.array(z.object({ config_id: z.string() })),
  /** empty or absent on the last page */
  next_cursor: z.string().optional(),
})
export type ListContactWayResponse = z.infer<typeof ListContactWayResponse>

export interface UpdateContactWayRequest {
  config_id: string
  remark?: string
  skip_verify?: boolean
  style?: number
  state?: string
  /** overwrites the list */
  user?: string[]
  /** overwrites the list; type 2 only */
  party?: number[]
  expires_in?: number
  chat_expires_in?: number
  unionid?: string
  conclusions?: Conclusions
}

export interface CloseTempChatRequest {
  userid: string
  external_userid: string
}
