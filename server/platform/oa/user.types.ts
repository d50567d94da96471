// user/info response: only subscribe comes back for a non-follower; nickname and avatar are no longer returned (2021-12-27).
import { z } from 'zod'
import { withOaBase } from './types'

export const UserInfoResponse = withOaBase({
  subscribe: z.union([z.literal(0), z.literal(1)]),
  openid: z.string(),
  subscribe_time: z.number().optional(),
  unionid: z.string().optional(),
  remark: z.string().optional(),
  groupid: z.number().optional(),
  tagid_list: z.array(z.number()).optional(),
  subscribe_scene: z.string().optional(),
  qr_scene: z.number().optional(),
  qr_scene_str: z.string().optional(),
})
export type UserInfoResponse = z.infer<typeof UserInfoResponse>
