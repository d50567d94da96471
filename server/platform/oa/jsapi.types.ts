// getticket response.
import { z } from 'zod'
import { withOaBase } from './types'

export const JsapiTicketResponse = withOaBase({ ticket: z.string().min(1), expires_in: z.number().positive() })
export type JsapiTicketResponse = z.infer<typeof JsapiTicketResponse>
