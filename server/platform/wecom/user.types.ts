// Member (通讯录) response schema.
import { z } from 'zod'
import { withBase } from './types'

/**
 * 读取成员 (doc 90196). Only userid and name are needed here, so the rest is optional: since 2022-06-20 apps
 * other than contact sync (and every app created since) no longer get avatar, gender, mobile, email, biz_mail,
 * qr_code or address, and third-party apps get the userid in place of the name.
 */
export const GetUserResponse = withBase({
  userid: z.string(),
  name: z.string(),
  department: z.array(z.number()).optional(),
  /** order within each department, same length as department */
  order: z.array(z.number()).optional(),
  position: z.string().optional(),
  mobile: z.string().optional(),
  /** "0" unknown, "1" male, "2" female (a string) */
  gender: z.string().optional(),
  email: z.string().optional(),
  biz_mail: z.string().optional(),
  /** 1 = leader of the department at the same index */
  is_leader_in_dept: z.array(z.number()).optional(),
  direct_leader: z.array(z.string()).optional(),
  avatar: z.string().optional(),
  thumb_avatar: z.string().optional(),
  telephone: z.string().optional(),
  alias: z.string().optional(),
  address: z.string().optional(),
  open_userid: z.string().optional(),
  main_department: z.number().optional(),
  /** 1 activated, 2 disabled, 4 not activated, 5 left the corp */
  status: z.number().optional(),
  qr_code: z.string().optional(),
  external_position: z.string().optional(),
})
export type GetUserResponse = z.infer<typeof GetUserResponse>
