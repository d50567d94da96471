// gettoken response (doc 91039).
import { z } from 'zod'
import { withBase } from './types'

export const GetTokenResponse = withBase({ access_token: z.string().min(1), expires_in: z.number().positive() })
export type GetTokenResponse = z.infer<typeof GetTokenResponse>
