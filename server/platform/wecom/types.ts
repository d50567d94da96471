// Pieces every WeCom endpoint group shares: the errcode/errmsg base, its extension helper, timestamps, attachments.
import { z } from 'zod'

/** Unix seconds; WeCom sends some timestamps as JSON strings (e.g. media created_at). */
export const unixTime = z.union([z.number(), z.string()])

export const BaseResponse = z.object({ errcode: z.number(), errmsg: z.string() })
export type BaseResponse = z.infer<typeof BaseResponse>

export const withBase = <T extends z.ZodRawShape>(shape: T) => BaseResponse.extend(shape)

/** Message attachments, as welcome messages and mass messages send them. */
export type Attachment =
  /** media_id wins if both are given */
  | { msgtype: 'image'; image: { media_id: string; pic_url?: never } | { pic_url: string; media_id?: never } }
  /** title ≤ 128 B, desc ≤ 512 B, picurl/url ≤ 2048 B */
  | { msgtype: 'link'; link: { title: string; picurl?: string; desc?: string; url: string } }
  /** title ≤ 64 B, cover 520×416, appid linked to the corp */
  | { msgtype: 'miniprogram'; miniprogram: { title: string; pic_media_id: string; appid: string; page: string } }
  | { msgtype: 'video'; video: { media_id: string } }
  | { msgtype: 'file'; file: { media_id: string } }
