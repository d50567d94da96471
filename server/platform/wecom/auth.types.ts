// H5 OAuth identity and JS-SDK ticket response schemas.
import { z } from 'zod'
import { withBase } from './types'

/** A member gets userid (+ user_ticket for privateinfo); a non-member gets openid (+ external_userid for customers). */
export const GetUserInfoResponse = withBase({
  userid: z.string().optional(),
  user_ticket: z.string().optional(),
  openid: z.string().optional(),
  external_userid: z.string().optional(),
})
export type GetUserInfoResponse = z.infer<typeof GetUserInfoResponse>

export const JsapiTicketResponse = withBase({ ticket: z.string().min(1), expires_in: z.number().positive() })
export type JsapiTicketResponse = z.infer<typeof JsapiTicketResponse>
